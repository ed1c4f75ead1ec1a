import { dirname, resolve } from 'node:path';
import { readFileBounded } from '../../core/bounded-read.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { countKey, emptyCounts, statusOfCounts, type Attachment, type RunInfo, type RunStatus, type RunSummary, type TestCase, type TestResult } from '../model/run-model.js';
import { EVENT_LOG_FORMAT, EVENT_LOG_VERSION, type RunEvent } from './events.js';
import { eventProblem } from './event-schema.js';
import type { Reporter } from '../model/reporter.js';
import { AttachmentCopier } from './merge-attachments.js';
import { checkShardSet, shardName } from './merge-set.js';

/** Far above a nightly's event log (a few MB); past it a file is refused rather than read until memory runs out. */
const MAX_EVENT_LOG_BYTES = 1 << 30;

interface ShardLog {
  file: string;
  version: number;
  events: RunEvent[];
  /** Lines (1-based) that were skipped, and why: not JSON, or not an event of the shape its type has. */
  skipped: { line: number; reason: string }[];
}

export interface MergeOptions {
  /**
   * Copy every attachment that exists into this folder (keeping its path below the shard's log
   * folder) and point the merged results at the copies, so merged reports name files that exist
   * beside them. Without it, paths point into the shards' folders.
   */
  attachmentsInto?: string;
  /** Called once the logs are read and found to be shards of one run, before any attachment is copied. */
  onChecked?: () => void;
  /**
   * Told what the merged reports lack: 'lost' when a log lost records (a line skipped, a test a
   * finished shard holds no result for), 'missing' for a shard no log was given for.
   */
  onWarning?: (line: string, kind: 'lost' | 'missing') => void;
}

function readLog(file: string): ShardLog {
  let text: string;
  try {
    // Bounded: a path may name /dev/zero or a pipe that never ends.
    text = readFileBounded(file, MAX_EVENT_LOG_BYTES).toString('utf8');
  } catch (e) {
    const why = e instanceof ResourceError && e.code === 'limit' ? e.reason : ((e as { cause?: NodeJS.ErrnoException }).cause?.code ?? (e as Error).message);
    throw new ConfigError(file, 'file', `cannot read event log: ${why}`);
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const events: { line: number; event: RunEvent }[] = [];
  const skipped: ShardLog['skipped'] = [];
  let version = 1;
  lines.forEach((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // A shard killed mid-write tears at most its last line.
      if (i === lines.length - 1 && i > 0) return;
      if (i === 0) throw new ConfigError(`${file}:${i + 1}`, 'syntax', 'not a JSON event');
      // A line broken in the middle (a full disk before the writer cut its partial lines back):
      // the rest of the log still holds the shard's results; the merge says what it skipped.
      skipped.push({ line: i + 1, reason: 'not a JSON event' });
      return;
    }
    if (i === 0) {
      const head = (typeof value === 'object' && value !== null ? value : {}) as { type?: unknown; format?: unknown; version?: unknown };
      if (head.type !== 'header' || head.format !== EVENT_LOG_FORMAT) throw new ConfigError(`${file}:1`, 'value', `not a ${EVENT_LOG_FORMAT} log`);
      if (typeof head.version === 'number' && head.version > EVENT_LOG_VERSION)
        throw new ConfigError(`${file}:1`, 'unsupported', `format version ${head.version} is newer than this csmp-hil reads (${EVENT_LOG_VERSION}); upgrade to merge it`);
      if (typeof head.version !== 'number' || !Number.isInteger(head.version) || head.version < 1)
        throw new ConfigError(`${file}:1`, 'value', `format version ${JSON.stringify(head.version) ?? 'missing'} is not a version of ${EVENT_LOG_FORMAT} (1 to ${EVENT_LOG_VERSION})`);
      version = head.version;
      return;
    }
    const problem = eventProblem(value);
    if (problem === undefined) {
      events.push({ line: i + 1, event: value as RunEvent });
      return;
    }
    const type = (value as { type?: unknown } | null)?.type;
    // Without its begin event a log says neither which shard it is nor which tests it ran.
    if (type === 'begin') throw new ConfigError(`${file}:${i + 1}`, 'schema', `not a valid begin event: ${problem}`);
    // Any other event is one record among many: skipped and said, as a line that does not parse is,
    // and the merged run is then not complete (an error, exit 4) instead of a verdict on less.
    skipped.push({ line: i + 1, reason: `not a valid ${typeof type === 'string' ? `${type} event` : 'event'}: ${problem}` });
  });
  const begin = events.find((e) => e.event.type === 'begin')?.event as { info: RunInfo } | undefined;
  if (!begin) throw new ConfigError(file, 'missing', 'event log has no begin event');
  // An event for a test the log's begin does not list has nothing to be reported under.
  const ids = new Set(begin.info.tests.map((t) => t.id));
  const kept: RunEvent[] = [];
  for (const { line, event } of events) {
    if ((event.type === 'testBegin' || event.type === 'stepBegin' || event.type === 'stepEnd' || event.type === 'testEnd') && !ids.has(event.testId))
      skipped.push({ line, reason: `${event.type} event for test ${JSON.stringify(event.testId)}, which this log's begin event does not list` });
    else kept.push(event);
  }
  skipped.sort((a, b) => a.line - b.line);
  return { file, version, events: kept, skipped };
}

/** Attachment paths as they are on this machine: version 2 logs hold them relative to their own folder. */
function resolveAttachments(log: ShardLog, map: (a: Attachment, log: ShardLog) => string): void {
  const fix = (list: Attachment[]): Attachment[] => list.map((a) => ({ ...a, path: map(a, log) }));
  for (const e of log.events) {
    if (e.type === 'stepEnd') e.step = { ...e.step, attachments: fix(e.step.attachments) };
    if (e.type === 'testEnd') e.result = { ...e.result, steps: e.result.steps.map((s) => ({ ...s, attachments: fix(s.attachments) })), attachments: fix(e.result.attachments) };
  }
}

const SEVERITY: RunStatus[] = ['passed', 'failed', 'interrupted', 'error'];
const worse = (a: RunStatus, b: RunStatus): RunStatus => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a);

/**
 * Combines shard event logs into the events of one run: a single begin listing every shard's tests,
 * each shard's test events in file order, and a single end whose counts are recomputed from the final
 * results. The logs must be shards of one run (merge-set.ts: ConfigError otherwise). What the merge
 * cannot vouch for is never dropped silently, and never leaves the run 'passed':
 * - a shard that never reached its end (killed, or its disk full to the end): every test it listed
 *   without a final result is an 'interrupted' result, and the run is 'interrupted';
 * - a missing shard: a harness error naming it (and how many tests it had), and the run is 'interrupted';
 * - a log that lost records (a line that does not parse, skipped; events its writer could not write,
 *   which it says in the log; a test a finished shard holds no result for, which becomes an 'error'
 *   result): a harness error each, and the run is 'error'.
 */
export function mergeEventLogs(files: readonly string[], opts: MergeOptions = {}): RunEvent[] {
  const logs = files.map(readLog);
  const infos = logs.map((l) => (l.events.find((e) => e.type === 'begin') as { info: RunInfo }).info);
  const set = checkShardSet(logs.map((l, i) => ({ file: l.file, info: infos[i]! })));
  opts.onChecked?.();
  const copier = opts.attachmentsInto !== undefined ? new AttachmentCopier(opts.attachmentsInto) : undefined;
  logs.forEach((log, i) => {
    const here = (a: Attachment, l: ShardLog): string => (l.version >= 2 ? resolve(dirname(l.file), a.path) : a.path);
    resolveAttachments(log, (a, l) => (copier ? copier.copy(here(a, l), l.version >= 2 ? a.path : undefined, i + 1) : here(a, l)));
  });
  const tests = new Map<string, TestCase>();
  for (const info of infos) for (const t of info.tests) if (!tests.has(t.id)) tests.set(t.id, t);
  const rigNames = [...new Set(infos.map((i) => i.rig.name))];
  const begin: RunInfo = {
    rig: { name: rigNames.join('+'), file: infos[0]!.rig.file },
    startTime: Math.min(...infos.map((i) => i.startTime)),
    tests: [...tests.values()],
    retries: Math.max(...infos.map((i) => i.retries)),
    bail: infos.some((i) => i.bail),
  };

  const merged: RunEvent[] = [{ type: 'begin', info: begin }];
  const attempts = new Map<string, TestResult[]>();
  let status: RunStatus = 'passed';
  let end = begin.startTime;
  const messages: string[] = [];
  const lacking = (message: string, kind: 'lost' | 'missing' = 'lost'): void => {
    merged.push({ type: 'error', error: { message } });
    opts.onWarning?.(message, kind);
  };
  logs.forEach((log, n) => {
    const info = infos[n]!;
    let summary: RunSummary | undefined;
    let last = info.startTime;
    const finals = new Map<string, TestResult>();
    let lostEvents = 0;
    for (const e of log.events) {
      if (e.type === 'begin') continue;
      if (e.type === 'end') {
        summary = e.summary;
        continue;
      }
      if (e.type === 'error' && e.lost) {
        lostEvents += e.lost;
        opts.onWarning?.(e.error.message, 'lost');
      }
      if (e.type === 'testEnd') {
        const prior = e.result.retry === 0 ? [] : (attempts.get(e.testId) ?? []);
        attempts.set(e.testId, [...prior, e.result]);
        finals.set(e.testId, e.result);
        last = Math.max(last, e.result.startTime + e.result.duration);
      }
      merged.push(e);
    }
    for (const { line, reason } of log.skipped) lacking(`${log.file}:${line}: ${reason}; skipped, so this report lacks what that line recorded`);
    const where = info.shard ? `${log.file} (${shardName(info)})` : log.file;
    const unfinished = info.tests.filter((t) => !finals.get(t.id) || finals.get(t.id)!.willRetry);
    for (const t of unfinished) {
      const prior = finals.get(t.id);
      const message = summary
        ? `no result: ${where} ran to its end but holds no result for this test; the log lost it`
        : `no result: ${where} ends before this test finished; the shard was stopped or could not write its log`;
      const result: TestResult = { testId: t.id, retry: prior ? prior.retry + 1 : 0, status: summary ? 'error' : 'interrupted', willRetry: false, startTime: last, duration: 0, steps: [], attachments: [], failure: { kind: summary ? 'error' : 'interrupted', message } };
      attempts.set(t.id, [...(prior ? (attempts.get(t.id) ?? []) : []), result]);
      merged.push({ type: 'testEnd', testId: t.id, result });
    }
    if (summary && unfinished.length) lacking(`${where}: no result for ${unfinished.length} test${unfinished.length === 1 ? '' : 's'} although the shard ran to its end; they are errors here`);
    end = Math.max(end, last);
    if (summary) {
      end = Math.max(end, summary.startTime + summary.duration);
      status = worse(status, summary.status);
      if (summary.message) messages.push(`${log.file}: ${summary.message}`);
    } else {
      status = worse(status, 'interrupted');
      messages.push(`${log.file}: run did not finish`);
    }
    if (log.skipped.length || lostEvents || (summary && unfinished.length)) {
      status = worse(status, 'error');
      messages.push(`${log.file}: results not fully recorded`);
    }
  });
  for (const index of set.missing) {
    const count = set.shardTests?.[index - 1];
    const what = count === undefined ? 'its tests are' : `its ${count} test${count === 1 ? ' is' : 's are'}`;
    lacking(`shard ${index}/${set.total} is missing: no event log was given for it, so ${what} not in this report`, 'missing');
    messages.push(`shard ${index}/${set.total} missing`);
    status = worse(status, 'interrupted');
  }
  const counts = emptyCounts();
  for (const id of tests.keys()) counts[countKey(attempts.get(id) ?? [])]++;
  status = worse(status, statusOfCounts(counts));
  const summary: RunSummary = { status, startTime: begin.startTime, duration: end - begin.startTime, counts };
  if (messages.length) summary.message = messages.join('; ');
  merged.push({ type: 'end', summary });
  return merged;
}

/** Feeds events to a reporter exactly as a live run would. */
export async function replayEvents(events: readonly RunEvent[], reporter: Reporter): Promise<void> {
  const tests = new Map<string, TestCase>();
  const test = (id: string): TestCase => {
    const t = tests.get(id);
    if (!t) throw new ConfigError('event log', 'reference', `event for unknown test ${id}`);
    return t;
  };
  for (const e of events) {
    switch (e.type) {
      case 'begin':
        for (const t of e.info.tests) tests.set(t.id, t);
        reporter.onBegin?.(e.info);
        break;
      case 'testBegin':
        reporter.onTestBegin?.(test(e.testId), e.attempt);
        break;
      case 'stepBegin':
        reporter.onStepBegin?.(test(e.testId), e.step);
        break;
      case 'stepEnd':
        reporter.onStepEnd?.(test(e.testId), e.step);
        break;
      case 'testEnd':
        reporter.onTestEnd?.(test(e.testId), e.result);
        break;
      case 'frame':
        reporter.onFrame?.(e.frame);
        break;
      case 'console':
        reporter.onConsoleLine?.(e.line);
        break;
      case 'power':
        reporter.onPower?.(e.action);
        break;
      case 'nms':
        reporter.onNmsChange?.(e.change);
        break;
      case 'error':
        reporter.onError?.(e.error);
        break;
      case 'note':
        reporter.onNote?.(e.note);
        break;
      case 'end':
        await reporter.onEnd?.(e.summary);
        break;
    }
  }
}

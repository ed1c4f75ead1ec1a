import { dirname, resolve } from 'node:path';
import { readFileBounded } from '../../core/bounded-read.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { countKey, emptyCounts, statusOfCounts, type Attachment, type RunInfo, type RunStatus, type RunSummary, type TestCase, type TestResult } from '../model/run-model.js';
import { EVENT_LOG_FORMAT, EVENT_LOG_VERSION, type RunEvent } from './events.js';
import type { Reporter } from '../model/reporter.js';
import { AttachmentCopier } from './merge-attachments.js';

/** Far above a nightly's event log (a few MB); past it a file is refused rather than read until memory runs out. */
const MAX_EVENT_LOG_BYTES = 1 << 30;

interface ShardLog {
  file: string;
  version: number;
  events: RunEvent[];
}

export interface MergeOptions {
  /**
   * Copy every attachment that exists into this folder (keeping its path below the shard's log
   * folder) and point the merged results at the copies, so merged reports name files that exist
   * beside them. Without it, paths point into the shards' folders.
   */
  attachmentsInto?: string;
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
  const events: RunEvent[] = [];
  let version = 1;
  lines.forEach((line, i) => {
    let value: { type?: string; format?: string; version?: number };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      // A shard killed mid-write tears at most its last line; anything else is corruption.
      if (i === lines.length - 1 && i > 0) return;
      throw new ConfigError(`${file}:${i + 1}`, 'syntax', 'not a JSON event');
    }
    if (i === 0) {
      if (value.type !== 'header' || value.format !== EVENT_LOG_FORMAT) throw new ConfigError(`${file}:1`, 'value', `not a ${EVENT_LOG_FORMAT} log`);
      if (typeof value.version !== 'number' || value.version > EVENT_LOG_VERSION)
        throw new ConfigError(`${file}:1`, 'unsupported', `format version ${value.version} is newer than this csmp-hil reads (${EVENT_LOG_VERSION}); upgrade to merge it`);
      version = value.version;
      return;
    }
    events.push(value as RunEvent);
  });
  if (!events.some((e) => e.type === 'begin')) throw new ConfigError(file, 'missing', 'event log has no begin event');
  return { file, version, events };
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

/**
 * Combines shard event logs into the events of one run: a single begin listing every shard's tests,
 * each shard's test events in file order, and a single end whose counts are recomputed from the final
 * results. A shard that never reached its end (killed) makes the merged run 'interrupted'.
 */
export function mergeEventLogs(files: readonly string[], opts: MergeOptions = {}): RunEvent[] {
  const logs = files.map(readLog);
  const copier = opts.attachmentsInto !== undefined ? new AttachmentCopier(opts.attachmentsInto) : undefined;
  logs.forEach((log, i) => {
    const here = (a: Attachment, l: ShardLog): string => (l.version >= 2 ? resolve(dirname(l.file), a.path) : a.path);
    resolveAttachments(log, (a, l) => (copier ? copier.copy(here(a, l), l.version >= 2 ? a.path : undefined, i + 1) : here(a, l)));
  });
  const infos = logs.map((l) => (l.events.find((e) => e.type === 'begin') as { info: RunInfo }).info);
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
  for (const log of logs) {
    let summary: RunSummary | undefined;
    for (const e of log.events) {
      if (e.type === 'begin') continue;
      if (e.type === 'end') {
        summary = e.summary;
        continue;
      }
      if (e.type === 'testEnd') {
        const prior = e.result.retry === 0 ? [] : (attempts.get(e.testId) ?? []);
        attempts.set(e.testId, [...prior, e.result]);
        end = Math.max(end, e.result.startTime + e.result.duration);
      }
      merged.push(e);
    }
    if (summary) {
      end = Math.max(end, summary.startTime + summary.duration);
      if (SEVERITY.indexOf(summary.status) > SEVERITY.indexOf(status)) status = summary.status;
      if (summary.message) messages.push(`${log.file}: ${summary.message}`);
    } else {
      status = SEVERITY.indexOf('interrupted') > SEVERITY.indexOf(status) ? 'interrupted' : status;
      messages.push(`${log.file}: run did not finish`);
    }
  }
  const counts = emptyCounts();
  for (const id of tests.keys()) counts[countKey(attempts.get(id) ?? [])]++;
  const fromCounts = statusOfCounts(counts);
  if (SEVERITY.indexOf(fromCounts) > SEVERITY.indexOf(status)) status = fromCounts;
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

/**
 * Reads the history store: every run file in the folder, in start order, tolerant as the format
 * promises (a torn last line is skipped; a file of a newer version is skipped and said so). A line
 * that does not parse in the middle of a file (a disk that was full for a while, before the writer
 * cut its partial lines back) is skipped and said so, not the whole file with it: a history line
 * only adds a result, so skipping one can only make the history say less, never more. So is a line
 * that parses but is not a record of its kind (check.ts: `"attempts": null`, a number for a test
 * name, another run's id), and an entry that is not a regular file (a folder named `x.jsonl`, a pipe
 * that would never end): every reader of the store sees only records of the shape it relies on.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { systemReason } from '../../core/atomic-write.js';
import { historyLineProblem } from './check.js';
import { HISTORY_FORMAT, HISTORY_VERSION, type HistoryEnd, type HistoryLine, type HistoryRun, type HistoryTest } from './format.js';

export interface RecordedRun {
  file: string;
  run: HistoryRun;
  tests: HistoryTest[];
  /** Absent for a run that did not finish (killed, or still running). */
  end?: HistoryEnd;
}

export interface HistoryRead {
  runs: RecordedRun[];
  /** Files not read, and why. */
  skipped: { file: string; reason: string }[];
  /** Lines not read (1-based) in files that were read, and why. */
  skippedLines: { file: string; line: number; reason: string }[];
}

export function readHistory(dir: string): HistoryRead {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.jsonl'));
  } catch (e) {
    throw new ConfigError(dir, 'file', `cannot read the history folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const runs: RecordedRun[] = [];
  const skipped: { file: string; reason: string }[] = [];
  const skippedLines: HistoryRead['skippedLines'] = [];
  for (const name of names) {
    const file = join(dir, name);
    const got = readRunFile(file, (line, reason) => skippedLines.push({ file, line, reason }));
    if ('reason' in got) skipped.push({ file, reason: got.reason });
    else runs.push(got);
  }
  runs.sort((a, b) => a.run.startTime - b.run.startTime || a.run.runId.localeCompare(b.run.runId));
  return { runs, skipped, skippedLines };
}

function readRunFile(file: string, skipLine: (line: number, reason: string) => void): RecordedRun | { reason: string } {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { reason: st.isDirectory() ? 'a folder, not a history file' : 'not a regular file' };
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { reason: `cannot read it: ${systemReason(e)}` };
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let run: HistoryRun | undefined;
  const tests: HistoryTest[] = [];
  let end: HistoryEnd | undefined;
  for (let i = 0; i < lines.length; i++) {
    let v: unknown;
    try {
      v = JSON.parse(lines[i]!);
    } catch {
      // A run killed mid-write tears at most its last line.
      if (i === lines.length - 1) break;
      if (i === 0) return { reason: 'line 1 is not JSON' };
      skipLine(i + 1, 'not JSON');
      continue;
    }
    if (i === 0) {
      const head = v as Partial<HistoryRun> | null;
      if (typeof head !== 'object' || head === null || head.type !== 'run' || head.format !== HISTORY_FORMAT) return { reason: `not a ${HISTORY_FORMAT} file` };
      if (typeof head.version === 'number' && head.version > HISTORY_VERSION) return { reason: `format version ${head.version} is newer than this csmp-hil reads (${HISTORY_VERSION})` };
      const problem = historyLineProblem(v);
      if (problem) return { reason: `line 1 is not a run record: ${problem}` };
      run = v as HistoryRun;
      continue;
    }
    const problem = historyLineProblem(v) ?? otherRun(v as HistoryLine, run!);
    if (problem) {
      skipLine(i + 1, problem);
      continue;
    }
    const line = v as HistoryLine;
    if (line.type === 'test') tests.push(line);
    else if (line.type === 'end') end = line;
  }
  if (!run) return { reason: 'empty file' };
  return end ? { file, run, tests, end } : { file, run, tests };
}

/** A line after the first that does not belong to the file's run. */
function otherRun(line: HistoryLine, run: HistoryRun): string | undefined {
  if (line.type === 'run') return 'a second run record; a history file holds one run';
  if (line.runId !== run.runId) return `runId '${line.runId}' is not this file's run (${run.runId})`;
  return undefined;
}

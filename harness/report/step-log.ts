import { formatDuration } from '../../core/duration.js';
import type { Failure, StepRecord, TestResult } from '../model/run-model.js';

const MARK: Record<StepRecord['status'], string> = {
  passed: 'ok     ',
  skipped: 'skip   ',
  failed: 'FAILED ',
  error: 'ERROR  ',
  timedOut: 'TIMEOUT',
  interrupted: 'STOPPED',
};

function stepName(s: StepRecord): string {
  if (s.phase === 'session') return `session ${s.text}`;
  return `${s.phase === 'test' ? '' : `${s.phase} `}step ${s.index}: ${s.text}`;
}

/** expected / seen / likely cause / fix lines of a failure, as a person reads them. */
export function failureDetails(f: Failure): string[] {
  const lines: string[] = [];
  if (f.expected !== undefined) lines.push(`expected: ${f.expected}`);
  if (f.seen !== undefined) lines.push(`seen: ${f.seen}`);
  if (f.likelyCause !== undefined) lines.push(`likely cause: ${f.likelyCause}`);
  if (f.fix !== undefined) lines.push(`fix: ${f.fix}`);
  if (f.reproducer !== undefined) lines.push(`reproducer: ${f.reproducer}`);
  if (f.step?.where) lines.push(`at: ${f.step.where}`);
  if (f.input?.length) lines.push(`input (the frames sent to the device in this test, before it ${f.crash ?? 'failed'}):`, ...f.input.flatMap((i) => i.split('\n').map((l) => `  ${l}`)));
  return lines;
}

/** The step log of one attempt: each step with status and time, its log lines, and failure details. */
export function stepLog(result: TestResult): string[] {
  const lines: string[] = [];
  for (const s of result.steps) {
    lines.push(`${MARK[s.status]} ${stepName(s)} (${formatDuration(s.duration)})`);
    for (const l of s.logs) lines.push(`        ${l}`);
    if (s.failure) {
      lines.push(`        ${s.failure.message}`);
      for (const d of failureDetails(s.failure)) lines.push(`        ${d}`);
    }
  }
  return lines;
}

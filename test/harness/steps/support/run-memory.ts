import { Run } from '../../../../harness/runner/run.js';
import type { RunOptions } from '../../../../harness/runner/options.js';
import type { TestCase, TestResult } from '../../../../harness/model/run-model.js';
import { CsmpStepExecutor, type ExecutorOptions } from '../../../../harness/steps/executor.js';
import { BenchSession } from '../../../../harness/steps/session.js';
import type { MemoryBench } from './memory-bench.js';
import { suiteOf } from './memory-bench.js';

export interface Finished {
  test: TestCase;
  result: TestResult;
}

/** Runs suites (YAML text) on an in-memory bench through the real scheduler; results by title. */
export async function runOnMemory(mb: MemoryBench, suites: string[], options: RunOptions = {}, exec: ExecutorOptions = {}): Promise<Map<string, Finished>> {
  const out = new Map<string, Finished>();
  const run = new Run({
    rig: mb.rig,
    suites: suites.map(suiteOf),
    executor: new CsmpStepExecutor(mb.bench, exec),
    session: new BenchSession(mb.bench),
    reporter: { onTestEnd: (test, result) => void out.set(test.title, { test, result }) },
    options,
  });
  await run.start();
  return out;
}

/** Every log line and failure text of a result, for assertions that read like the report. */
export function reportText(f: Finished | undefined): string {
  if (!f) return '(no such test)';
  const r = f.result;
  const lines = r.steps.flatMap((s) => [`${s.status} ${s.phase} ${s.text}`, ...s.logs]);
  const x = r.failure;
  if (x) lines.push(x.message, `expected: ${x.expected ?? ''}`, `seen: ${x.seen ?? ''}`, `likely cause: ${x.likelyCause ?? ''}`, `fix: ${x.fix ?? ''}`);
  return lines.join('\n');
}

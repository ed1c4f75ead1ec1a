import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runSuites, type RunSuitesOptions, type RunSuitesResult } from '../../../harness/app/run-suites.js';
import { JUnitReporter } from '../../../harness/report/junit.js';

/** Collects a stream's text (stdout/stderr of an in-process run). */
export class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

export interface InProcessRun extends RunSuitesResult {
  stdout: string;
  stderr: string;
  junit: string;
}

/** `hil run` in this process (no build needed), reports in `reportsDir`. */
export async function runInProcess(o: Omit<RunSuitesOptions, 'stdout' | 'stderr'>): Promise<InProcessRun> {
  const stdout = new Collect();
  const stderr = new Collect();
  const r = await runSuites({ ...o, stdout, stderr });
  let junit = '';
  try {
    junit = readFileSync(r.junitFile, 'utf8');
  } catch {
    // none written
  }
  return { ...r, stdout: stdout.text, stderr: stderr.text, junit };
}

export const SUITES = join(process.cwd(), 'suites');

export interface CaseResult {
  suite: string;
  device: string;
  name: string;
  status: 'passed' | 'failed' | 'error' | 'skipped';
  message?: string;
  text?: string;
}

/** The testcases of a JUnit document, enough for assertions (the XML is validated elsewhere). */
export function casesOf(junit: string): CaseResult[] {
  const out: CaseResult[] = [];
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  for (const m of junit.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const [suite, device] = decode(m[2]!).split(' @ ') as [string, string];
    const body = m[4] ?? '';
    const fail = /<(failure|error) message="([^"]*)"[^>]*>([\s\S]*?)<\/\1>/.exec(body);
    const status = fail ? (fail[1] === 'failure' ? 'failed' : 'error') : /<skipped/.test(body) ? 'skipped' : 'passed';
    out.push({ suite, device, name: decode(m[1]!), status, ...(fail ? { message: decode(fail[2]!), text: decode(fail[3]!) } : {}) });
  }
  return out;
}

/** "suite › test" of every case of `device` that did not pass, sorted: what a model is caught by. */
export function failedOn(cases: readonly CaseResult[], device: string): string[] {
  return cases
    .filter((c) => c.device === device && c.status !== 'passed')
    .map((c) => `${c.suite} › ${c.name}`)
    .sort();
}

/** The case of `device` named `name` (the test fails loudly on a missing one through its fields). */
export function caseOf(cases: readonly CaseResult[], device: string, name: string): CaseResult {
  return cases.find((c) => c.device === device && c.name === name)!;
}

export { JUnitReporter };

/**
 * A crashing test of `hil run` as a suite of its own, written to `reproducers/` in the reports
 * folder: the original suite's setup, the failing test's steps in order without its checks
 * (`expect-*`: the crash is the finding) and without its own closing liveness GET, then a liveness
 * GET of DeviceID. Power and NMS steps stay: a DescriptionRequest inside a 2.03 only reaches the
 * device at its next registration, which the test's power cycle causes. Its `branch: robustness` has `hil run` judge the device before
 * and after the input, so replaying it fails with the same class on the faulty firmware and passes
 * once it is fixed. Teardown power-cycles a device that has power: a crashed board needs it.
 *
 * The steps are taken from the suite file as written (not the normalised steps), so the
 * reproducer reads like the suite it came from.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { makeDirs } from '../../core/make-dirs.js';
import type { DeviceSpec } from '../config/rig.js';
import type { CrashJudgement, HookContext } from '../runner/executor.js';
import type { CrashKind } from '../model/run-model.js';
import type { ReproducerSink } from '../steps/session.js';

const isCheck = (step: unknown): boolean => typeof step === 'object' && step !== null && Object.keys(step).some((k) => k.startsWith('expect-'));
const isLivenessGet = (step: unknown): boolean => typeof step === 'object' && step !== null && (step as Record<string, unknown>).get === 2;

/** Lower case, letters and digits only, dashes between: a reproducer's name is typed at a shell. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'test';
}

export function reproducerFileName(suite: string, test: string, device: string): string {
  return `${slug(suite)}--${slug(test)}--${slug(device)}.yaml`;
}

interface RawSuite {
  setup?: unknown[];
  tests?: { name?: string; steps?: unknown[] }[];
}

/** The reproducer's text; undefined when the test is no longer in its suite file. */
export function reproducerYaml(suiteText: string, found: CrashJudgement, ctx: { suite: string; test: string; device: DeviceSpec; runId: string }): string | undefined {
  const raw = parse(suiteText) as RawSuite;
  const test = raw.tests?.find((t) => t.name === ctx.test);
  if (!test) return undefined;
  const inputs = (test.steps ?? []).filter((s) => !isCheck(s));
  if (inputs.length > 0 && isLivenessGet(inputs[inputs.length - 1])) inputs.pop();
  const doc = {
    suite: `repro-${slug(ctx.suite)}-${slug(ctx.device.name)}`,
    branch: 'robustness',
    description: `Found by hil run ${ctx.runId}: ${ctx.device.name} ${ctx.device.power ? '' : '(no power control) '}${found.crash ?? 'was hurt'} after the inputs of ${ctx.suite} › ${ctx.test}. ${found.verdict ?? ''}`.trim(),
    setup: raw.setup ?? [],
    ...(ctx.device.power ? { teardown: [{ power: 'cycle' }] } : {}),
    tests: [{ name: `survives the inputs of ${ctx.test}`, steps: [...inputs, { get: 2 }, { 'expect-reply': '2.05' }] }],
  };
  return stringify(doc, { lineWidth: 0 });
}

/** A reproducer this run wrote, for `--minimise`. */
export interface WrittenReproducer {
  path: string;
  device: DeviceSpec;
  crash: CrashKind;
}

export class ReproducerWriter implements ReproducerSink {
  readonly written: WrittenReproducer[] = [];

  /** `runId`: what the description names the run by (its start time). */
  constructor(
    private readonly reportsDir: string,
    private readonly runId: string,
    private readonly onError: (path: string, e: unknown) => void,
  ) {}

  write(device: DeviceSpec, ctx: HookContext, found: CrashJudgement): string | undefined {
    const tc = ctx.testCase;
    const dir = join(this.reportsDir, 'reproducers');
    const path = join(dir, reproducerFileName(tc.suite.name, tc.name, device.name));
    try {
      const text = reproducerYaml(readFileSync(tc.suite.file, 'utf8'), found, { suite: tc.suite.name, test: tc.name, device, runId: this.runId });
      if (text === undefined) return undefined;
      makeDirs(dir);
      // Whole or absent, as every report file: a run stopped mid-write leaves no half suite.
      writeFileAtomic(path, text);
    } catch (e) {
      this.onError(path, e);
      return undefined;
    }
    ctx.attach({ name: 'reproducer', path, contentType: 'application/yaml' });
    if (found.crash) this.written.push({ path, device, crash: found.crash });
    // Short when the reports are under the working directory, where replaying starts from.
    const rel = relative(process.cwd(), path);
    return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
  }
}

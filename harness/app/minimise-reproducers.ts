/**
 * `hil run --minimise`: once the run's verdicts are recorded, each reproducer it wrote for a device
 * with power control is shrunk while it still gives the same crash class, and written beside it as
 * `<name>--min.yaml` (issue 8 item 2: drop TLVs, then shrink bytes).
 *
 * Every try is the reproducer itself with fewer inputs, run as a one-test suite through the same
 * runner, executor and BenchSession as the run (the same baseline and judge: no second verdict
 * logic). Its teardown power-cycles the board and waits for its registration, so each try meets a
 * booted device. Order: whole input steps dropped (last first), then within each `post` its TLVs,
 * fields and values, then bytes of each `inject` hex: the shrinking of harness/fuzz/minimise.ts.
 * Bounded by tries (each costs a power cycle) and by time; a device that does not come back ends
 * the minimisation of that device, keeping the smallest input found so far. The smallest is run
 * once more before it is written: an accepted try a starved host judged by chance is not evidence.
 *
 * The run's JUnit, HTML and summary were written before: they name the reproducer, not the minimised
 * file, and nothing here changes a result. The run log says what each minimisation gave.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { fromHex, toHex } from '../../core/bytes.js';
import type { Rig } from '../config/rig.js';
import { parseSuite } from '../config/suite.js';
import type { Json, JsonObject } from '../csmp/value.js';
import type { FuzzInput, PostTlv } from '../fuzz/fuzz-input.js';
import { minimise } from '../fuzz/minimise.js';
import type { CrashKind } from '../model/run-model.js';
import { Run } from '../runner/run.js';
import type { RunOptions } from '../runner/options.js';
import type { Bench } from '../steps/bench.js';
import { CsmpStepExecutor } from '../steps/executor.js';
import { BenchSession } from '../steps/session.js';
import type { WrittenReproducer } from './reproducers.js';

export interface MinimiseSettings {
  /** Tries (power cycles) per reproducer; default 24. */
  tries?: number;
  /** Real ms per reproducer; default 5 minutes. */
  budgetMs?: number;
}

export const DEFAULT_MINIMISE_TRIES = 24;
export const DEFAULT_MINIMISE_BUDGET_MS = 5 * 60_000;

interface Context {
  rig: Rig;
  bench: Bench;
  run: Omit<RunOptions, 'clock'>;
  signal: AbortSignal;
  say: (line: string) => void;
}

type RawStep = Record<string, unknown>;

/** What one minimisation gave, for the log and the tests. */
export interface MinimiseOutcome {
  file: string;
  minimisedFile?: string;
  tries: number;
  steps: { before: number; after: number };
  /** Why it stopped early, when it did. */
  stopped?: string;
}

/** `out` gathers each outcome as it is known, so a caller keeps those done when a later one throws. */
export async function minimiseReproducers(written: readonly WrittenReproducer[], ctx: Context, settings: MinimiseSettings = {}, out: MinimiseOutcome[] = []): Promise<MinimiseOutcome[]> {
  const lost = new Set<string>();
  for (const w of written) {
    if (ctx.signal.aborted) break;
    if (!w.device.power) {
      ctx.say(`minimise: ${w.path} not minimised: the rig gives ${w.device.name} no power control, and each try needs a power cycle to bring a crashed board back`);
      continue;
    }
    if (lost.has(w.device.name)) {
      ctx.say(`minimise: ${w.path} not minimised: ${w.device.name} did not come back during an earlier minimisation`);
      continue;
    }
    const o = await minimiseOne(w, ctx, settings);
    if (o.stopped?.startsWith('device lost')) lost.add(w.device.name);
    out.push(o);
    const what = o.minimisedFile ? `wrote ${o.minimisedFile}: ${o.steps.before} → ${o.steps.after} input step(s) in ${o.tries} tries` : `no smaller input still ${w.crash} ${w.device.name} (${o.tries} tries)`;
    ctx.say(`minimise: ${w.path}: ${what}${o.stopped ? `; stopped early: ${o.stopped}` : ''}`);
  }
  return out;
}

async function minimiseOne(w: WrittenReproducer, ctx: Context, settings: MinimiseSettings): Promise<MinimiseOutcome> {
  const doc = parse(readFileSync(w.path, 'utf8')) as Record<string, any>;
  const test = doc.tests[0] as { name: string; steps: RawStep[] };
  // The reproducer ends with its liveness GET and the check of it: those stay as they are.
  const liveness = test.steps.slice(-2);
  let inputs = test.steps.slice(0, -2);
  const before = inputs.length;
  // Each try must meet a booted, registered board: the robustness suite's teardown.
  doc.teardown = [{ power: 'cycle' }, { nms: 'expect-registration' }];
  const minPath = w.path.replace(/\.yaml$/, '--min.yaml');
  const deadline = Date.now() + (settings.budgetMs ?? DEFAULT_MINIMISE_BUDGET_MS);
  let left = settings.tries ?? DEFAULT_MINIMISE_TRIES;
  let tries = 0;
  let stopped: string | undefined;

  const still = async (candidate: RawStep[]): Promise<boolean> => {
    if (stopped !== undefined) return false;
    if (left <= 0) return ((stopped = `the ${settings.tries ?? DEFAULT_MINIMISE_TRIES} tries were used`), false);
    if (Date.now() >= deadline) return ((stopped = 'the time budget was used'), false);
    if (ctx.signal.aborted) return ((stopped = 'the run was stopped'), false);
    left--;
    tries++;
    const r = await tryOnce(doc, test.name, [...candidate, ...liveness], w, ctx, minPath);
    if (r === 'lost') stopped = `device lost: ${w.device.name} did not come back after a try`;
    return r === 'same';
  };

  for (let i = inputs.length - 1; i >= 0 && inputs.length > 1; i--) {
    const without = inputs.filter((_, j) => j !== i);
    if (await still(without)) inputs = without;
  }
  for (let i = 0; i < inputs.length; i++) {
    const shrunk = await shrinkStep(inputs[i]!, (step) => still(inputs.map((s, j) => (j === i ? step : s))));
    inputs = inputs.map((s, j) => (j === i ? shrunk : s));
  }

  const changed = JSON.stringify(inputs) !== JSON.stringify(test.steps.slice(0, -2));
  const outcome: MinimiseOutcome = { file: w.path, tries, steps: { before, after: inputs.length }, ...(stopped ? { stopped } : {}) };
  if (!changed) return outcome;
  // Once more from a fresh boot: a verdict a starved host gave by chance must not make the file.
  if (!stopped?.startsWith('device lost') && !ctx.signal.aborted) {
    tries++;
    const again = await tryOnce(doc, test.name, [...inputs, ...liveness], w, ctx, minPath);
    if (again !== 'same') return { ...outcome, tries, steps: { before, after: before }, stopped: `the smallest input did not ${w.crash === 'crashed' ? 'crash' : w.crash === 'hung' ? 'hang' : w.crash === 'rebooted' ? 'reboot' : 'degrade'} ${w.device.name} again when confirmed; nothing written` };
  }
  const min = {
    ...doc,
    suite: `${doc.suite}-min`,
    description: `${doc.description} Minimised by hil run --minimise from ${w.path}: ${before} → ${inputs.length} input step(s), ${tries} tries (one power cycle each), every accepted candidate judged ${w.crash} again, and the result once more to confirm.${stopped ? ` Stopped early: ${stopped}.` : ''}`,
    tests: [{ name: test.name, steps: [...inputs, ...liveness] }],
  };
  writeFileAtomic(minPath, stringify(min, { lineWidth: 0 }));
  return { ...outcome, minimisedFile: minPath };
}

/** One try: 'same' when the device's verdict is the reproducer's class again. */
async function tryOnce(doc: Record<string, any>, name: string, steps: RawStep[], w: WrittenReproducer, ctx: Context, file: string): Promise<'same' | 'other' | 'lost'> {
  let suite;
  try {
    suite = parseSuite(stringify({ ...doc, tests: [{ name, steps }] }, { lineWidth: 0 }), file);
  } catch {
    // A shrunk value the suite schema refuses is no candidate.
    return 'other';
  }
  const { grep: _g, shard: _s, retries: _r, bail: _b, suite: _u, ...options } = ctx.run;
  const run = new Run({
    rig: ctx.rig,
    suites: [suite],
    executor: new CsmpStepExecutor(ctx.bench),
    session: new BenchSession(ctx.bench),
    options: { ...options, device: [w.device.name], probeAfterPost: true },
  });
  const interrupt = (): void => run.interrupt('stopped during minimisation');
  ctx.signal.addEventListener('abort', interrupt);
  try {
    await run.start();
  } finally {
    ctx.signal.removeEventListener('abort', interrupt);
  }
  const result = [...run.results().values()][0]?.at(-1);
  const failure = result?.failure;
  if (failure?.crash === w.crash) return 'same';
  if (failure?.kind === 'rig-fault' || failure?.message.includes('device lost')) return 'lost';
  return 'other';
}

/** A step made smaller while `still` holds: a post's TLVs and fields, an inject's bytes; others as they are. */
async function shrinkStep(step: RawStep, still: (s: RawStep) => Promise<boolean>): Promise<RawStep> {
  const post = step['post'] as { tlvs?: Record<string, JsonObject> } | undefined;
  if (post?.tlvs && typeof post.tlvs === 'object') {
    const keys = Object.keys(post.tlvs);
    const asStep = (tlvs: PostTlv[]): RawStep => ({ ...step, post: { ...post, tlvs: Object.fromEntries(tlvs.map((t) => [keys[t.type]!, t.fields])) } });
    // minimise.ts works on typed TLVs; the suite's keys (ids or names) travel as their index.
    const start: FuzzInput = { kind: 'post', tlvs: keys.map((k, i) => ({ type: i, fields: (post.tlvs![k] ?? {}) as JsonObject })) };
    const got = await minimise(start, (c) => (c.kind === 'post' ? still(asStep(c.tlvs)) : Promise.resolve(false)), Number.MAX_SAFE_INTEGER);
    return got.kind === 'post' ? asStep(got.tlvs) : step;
  }
  const inject = step['inject'] as { hex?: Json } | undefined;
  if (inject && typeof inject.hex === 'string') {
    const bytes = fromHex(inject.hex.replace(/[\s:]/g, ''));
    if (!bytes) return step;
    const asStep = (b: Uint8Array): RawStep => ({ ...step, inject: { ...inject, hex: spaced(toHex(b)) } });
    const got = await minimise({ kind: 'inject', bytes }, (c) => (c.kind === 'inject' ? still(asStep(c.bytes)) : Promise.resolve(false)), Number.MAX_SAFE_INTEGER);
    return got.kind === 'inject' ? asStep(got.bytes) : step;
  }
  return step;
}

/** Hex as the suites write it: bytes apart. */
function spaced(hex: string): string {
  return hex.replace(/(..)(?!$)/g, '$1 ');
}

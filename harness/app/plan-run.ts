/**
 * What a run would do, without doing any of it: the rig and suites loaded, the tests planned with
 * the rig as the run will see it (planned-rig.ts) and the run's own filters and shard. `hil run`
 * plans with this before it opens anything, and `hil run --list` prints it, so the two agree on
 * every test and skip reason.
 */
import { loadRig, type Rig } from '../config/rig.js';
import { loadSuites, type Suite } from '../config/suite.js';
import type { TestCase } from '../model/run-model.js';
import type { RunOptions } from '../runner/options.js';
import { Run } from '../runner/run.js';
import { plannedRig } from './planned-rig.js';
import { withMeters } from './scale-rig.js';

export interface PlanRunOptions {
  rigFile: string;
  meters?: number;
  suitePaths: readonly string[];
  run?: RunOptions;
  /** Changes to the loaded rig before planning (certification gives virtual meters the image under test). */
  adjustRig?: (rig: Rig) => Rig;
}

export interface PlannedRun {
  /** The rig as loaded (paths of a virtual rig not filled in yet). */
  rig: Rig;
  suites: Suite[];
  /** This shard's tests in run order, each with its skip reason when it would not run. */
  tests: readonly TestCase[];
}

/** ConfigError or ResourceError for anything that would make `hil run` exit 2 before opening the rig. */
export async function planRun(o: PlanRunOptions): Promise<PlannedRun> {
  let rig = await loadRig(o.rigFile);
  if (o.meters !== undefined) rig = withMeters(rig, o.meters);
  if (o.adjustRig) rig = o.adjustRig(rig);
  const suites = await loadSuites(o.suitePaths);
  // A stand-in executor: planning runs nothing.
  const planned = new Run({ rig: plannedRig(rig), suites, executor: { execute: async () => ({ status: 'error' }) }, options: o.run ?? {} });
  return { rig, suites, tests: planned.tests };
}

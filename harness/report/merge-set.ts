/**
 * Whether event logs given to `hil merge` are the shards of one run. Every log's begin event says
 * which shard it is (RunInfo.shard; a log without one is a whole run, shard 1/1) and, from this
 * version on, the whole run's partition (RunInfo.plan). A shard given twice, shards of different
 * counts, and shards whose plans differ (another suite list, filter, device set or shard count:
 * another run) are refused: merged, they read as one run that never happened, green when the
 * shards were. The start time and the rig are no test of "one run": CI starts shards apart, and
 * racks with different rig names may share a run. Shards of the same plan run at different times
 * (a shard re-run on its own) are one run's shards: the plan is what makes them add up.
 * Missing shards are not refused: the merge keeps what is there and reports the gap.
 */
import { ConfigError } from '../../core/errors.js';
import type { RunInfo } from '../model/run-model.js';

export interface ShardOfRun {
  file: string;
  info: RunInfo;
}

export interface ShardSet {
  total: number;
  /** Shard indexes (1-based) no log was given for. */
  missing: number[];
  /** Tests per shard, when the logs say (RunInfo.plan). */
  shardTests?: number[];
}

export function shardName(info: RunInfo): string {
  return info.shard ? `shard ${info.shard.index}/${info.shard.total}` : 'a whole run (no --shard)';
}

export function checkShardSet(shards: readonly ShardOfRun[]): ShardSet {
  const first = shards[0]!;
  const shardOf = (s: ShardOfRun): { index: number; total: number } => s.info.shard ?? { index: 1, total: 1 };
  const total = shardOf(first).total;
  const seen = new Map<number, ShardOfRun>();
  for (const s of shards) {
    const { index, total: n } = shardOf(s);
    if (n !== total) throw new ConfigError(s.file, 'conflict', `is ${shardName(s.info)} but ${first.file} is ${shardName(first.info)}: shards of one run are all i/${total}; merge the logs of one run only`);
    const twice = seen.get(index);
    if (twice) throw new ConfigError(s.file, 'conflict', `is ${shardName(s.info)}, and so is ${twice.file}: give each shard's log once`);
    seen.set(index, s);
    const a = first.info.plan;
    const b = s.info.plan;
    if (a && b && a.digest !== b.digest)
      throw new ConfigError(
        s.file,
        'conflict',
        `${shardName(s.info)} of another run than ${first.file}: its plan (${b.shardTests.join('+')} tests, ${b.digest}) is not that one's (${a.shardTests.join('+')} tests, ${a.digest}); shards of one run are run with the same suites, devices, filters and shard count`,
      );
  }
  const missing: number[] = [];
  for (let i = 1; i <= total; i++) if (!seen.has(i)) missing.push(i);
  const plan = shards.find((s) => s.info.plan)?.info.plan;
  return { total, missing, ...(plan ? { shardTests: plan.shardTests } : {}) };
}

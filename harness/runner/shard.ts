import { createHash } from 'node:crypto';
import { ConfigError } from '../../core/errors.js';

/** `index` is 1-based, as written on the command line: --shard 2/4. */
export interface ShardSpec {
  index: number;
  total: number;
}

export function parseShard(text: string): ShardSpec {
  const m = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text.trim());
  if (!m || Number(m[1]) > Number(m[2])) throw new ConfigError('--shard', 'value', `'${text}' is not i/n with 1 ≤ i ≤ n`);
  return { index: Number(m[1]), total: Number(m[2]) };
}

/**
 * The items of shard i/n: a pure function of the item list, the shard and the grouping, so every
 * shard host computes the same partition with no coordination. Items with the same group key always
 * land together (a suite's tests on one device share setup and the device). Groups are dealt largest
 * first to the least-loaded shard, ties by key and shard index, which keeps shards within one group's
 * size of each other. Order within the shard is the input order.
 */
export function filterForShard<T>(items: readonly T[], shard: ShardSpec, groupOf: (item: T) => string): T[] {
  if (shard.total <= 1) return [...items];
  const sizes = new Map<string, number>();
  for (const item of items) {
    const key = groupOf(item);
    sizes.set(key, (sizes.get(key) ?? 0) + 1);
  }
  const groups = [...sizes].sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const load = new Array<number>(shard.total).fill(0);
  const owner = new Map<string, number>();
  for (const [key, size] of groups) {
    let best = 0;
    for (let s = 1; s < load.length; s++) if (load[s]! < load[best]!) best = s;
    owner.set(key, best);
    load[best]! += size;
  }
  return items.filter((item) => owner.get(groupOf(item)) === shard.index - 1);
}

/** RunInfo.plan of a run sharded `total` ways: every shard computes the same. */
export function shardPlan<T>(items: readonly T[], total: number, groupOf: (item: T) => string, idOf: (item: T) => string): { digest: string; shardTests: number[] } {
  const shards = Array.from({ length: total }, (_, i) => filterForShard(items, { index: i + 1, total }, groupOf).map(idOf));
  return { digest: createHash('sha256').update(JSON.stringify(shards)).digest('hex').slice(0, 16), shardTests: shards.map((s) => s.length) };
}

import fc from 'fast-check';
import { filterForShard, parseShard } from '../../../harness/runner/shard.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor } from './support/fake-executor.js';
import { expectConfigError } from '../../support/errors.js';
import { fakeRig, suite } from './support/fixtures.js';

interface Item {
  suite: string;
  test: string;
  device: string;
}
const groupOf = (i: Item): string => `${i.suite}\0${i.device}`;

const items = fc
  .uniqueArray(fc.record({ suite: fc.constantFrom('a', 'b', 'c', 'd'), test: fc.constantFrom('t1', 't2', 't3', 't4', 't5'), device: fc.constantFrom('m1', 'm2', 'm3') }), {
    selector: (i) => `${i.suite}/${i.test}/${i.device}`,
    maxLength: 60,
  });

describe('filterForShard', () => {
  test('shards partition the list exactly: union is everything, in order, and shards are disjoint', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 8 }), (list, total) => {
        const shards = Array.from({ length: total }, (_, i) => filterForShard(list, { index: i + 1, total }, groupOf));
        const seen = new Map<Item, number>();
        shards.forEach((s, i) => s.forEach((item) => {
          expect(seen.has(item)).toBe(false);
          seen.set(item, i);
        }));
        expect(seen.size).toBe(list.length);
        // Each shard keeps the input order.
        for (const s of shards) expect(s).toEqual(list.filter((i) => s.includes(i)));
      }),
      { seed: 20240601, numRuns: 300 },
    );
  });

  test('a group never straddles shards, and shards stay within one group of each other', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 2, max: 6 }), (list, total) => {
        const shards = Array.from({ length: total }, (_, i) => filterForShard(list, { index: i + 1, total }, groupOf));
        const home = new Map<string, number>();
        shards.forEach((s, i) => s.forEach((item) => {
          const g = groupOf(item);
          expect(home.get(g) ?? i).toBe(i);
          home.set(g, i);
        }));
        const biggest = Math.max(0, ...[...new Set(list.map(groupOf))].map((g) => list.filter((i) => groupOf(i) === g).length));
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(biggest);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  test('it is a pure function of the list and i/n, not of the input order', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 5 }), (list, total) => {
        const reversed = [...list].reverse();
        for (let i = 1; i <= total; i++) {
          const a = filterForShard(list, { index: i, total }, groupOf);
          const b = filterForShard(reversed, { index: i, total }, groupOf);
          expect(new Set(b)).toEqual(new Set(a));
        }
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  test('exact partition of a small plan', () => {
    const list: Item[] = [
      ...['t1', 't2', 't3'].map((test) => ({ suite: 'a', test, device: 'm1' })),
      ...['t1', 't2'].map((test) => ({ suite: 'b', test, device: 'm1' })),
      { suite: 'a', test: 't1', device: 'm2' },
    ];
    const names = (s: Item[]): string[] => s.map((i) => `${i.suite}/${i.test}@${i.device}`);
    expect(names(filterForShard(list, { index: 1, total: 2 }, groupOf))).toEqual(['a/t1@m1', 'a/t2@m1', 'a/t3@m1']);
    expect(names(filterForShard(list, { index: 2, total: 2 }, groupOf))).toEqual(['b/t1@m1', 'b/t2@m1', 'a/t1@m2']);
  });
});

test('parseShard', () => {
  expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
  for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) expectConfigError(() => parseShard(bad), { where: '--shard', code: 'value' });
});

test('a Run on a shard plans only its tests; shardBy device keeps each device on one shard', () => {
  const rig = fakeRig([{ name: 'm1' }, { name: 'm2' }]);
  const suites = [suite('a', 'tests: [ { name: x, steps: [ { get: 1 } ] }, { name: y, steps: [ { get: 1 } ] } ]'), suite('b', 'tests: [ { name: z, steps: [ { get: 1 } ] } ]')];
  const titles = (index: number, shardBy?: 'device'): string[] =>
    new Run({ rig, suites, executor: new FakeExecutor(), options: { shard: { index, total: 2 }, ...(shardBy ? { shardBy } : {}) } }).tests.map((t) => t.title);
  const all = [...titles(1), ...titles(2)].sort();
  expect(all).toEqual(['a @ m1 › x', 'a @ m1 › y', 'a @ m2 › x', 'a @ m2 › y', 'b @ m1 › z', 'b @ m2 › z']);
  expect(titles(1, 'device').every((t) => t.includes('@ m1'))).toBe(true);
  expect(titles(2, 'device').every((t) => t.includes('@ m2'))).toBe(true);
});

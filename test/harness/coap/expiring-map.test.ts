import { ExpiringMap } from '../../../harness/coap/expiring-map.js';

describe('ExpiringMap', () => {
  test('entries expire after the lifetime; replacing one renews it', () => {
    const m = new ExpiringMap<string>(100, 10);
    m.set('a', 'A', 0);
    m.set('b', 'B', 50);
    expect([m.get('a', 99), m.get('a', 100)]).toEqual(['A', undefined]);
    m.set('b', 'B2', 120);
    expect([m.get('b', 219), m.get('b', 220)]).toEqual(['B2', undefined]);
  });

  test('expired entries are swept on insert, live ones kept', () => {
    const m = new ExpiringMap<number>(100, 1000);
    for (let i = 0; i < 50; i++) m.set(`k${i}`, i, i);
    m.set('late', 0, 120);
    expect(m.size).toBe(30); // k20..k49 and 'late'; k0..k20 expired at 100..120
    expect(m.get('k21', 120)).toBe(21);
  });

  test('the size bound evicts the oldest live entry and reports it', () => {
    const evicted: string[] = [];
    const m = new ExpiringMap<number>(1000, 3, (k) => evicted.push(k));
    m.set('a', 1, 0);
    m.set('b', 2, 0);
    m.set('a', 3, 1); // a is now newest
    m.set('c', 4, 2);
    m.set('d', 5, 3);
    expect(evicted).toEqual(['b']);
    expect([m.get('a', 3), m.get('c', 3), m.get('d', 3)]).toEqual([3, 4, 5]);
  });

  test('one key set over and over keeps the backlog bounded', () => {
    const m = new ExpiringMap<number>(1e12, 4);
    for (let i = 0; i < 100_000; i++) m.set('same', i, i);
    expect(m.size).toBe(1);
    expect(m.backlog).toBeLessThan(2 * 4 + 1024 + 2);
    expect(m.get('same', 0)).toBe(99_999);
  });

  test('a clock stepped backwards delays sweeping but never returns an expired entry', () => {
    const m = new ExpiringMap<number>(100, 10);
    m.set('a', 1, 1000);
    m.set('b', 2, 10);
    expect(m.get('a', 1099)).toBe(1);
    expect(m.get('b', 1099)).toBeUndefined();
  });
});

/**
 * The fuzz job's short CI budget: every decoder over a few thousand mutated inputs (the full job,
 * `npm run fuzz`, runs 1,000,000 each). No escape (a throw other than the decoder's typed error),
 * no input slower than 1 s.
 */
import { drive } from '../../bench/fuzz/drive.js';
import { fuzzInput } from '../../harness/fuzz/byte-mutation.js';
import { TARGETS } from '../../bench/fuzz/targets.js';

// YAML costs about 1 ms an input (the yaml package parses ~3 MB/s); the binary decoders microseconds.
const BUDGET: Record<string, number> = { 'yaml-config': 300 };

describe('fuzz budget', () => {
  test('every decoder the issue names has a target', () => {
    expect(TARGETS.map((t) => t.name)).toEqual(['pcap', 'pcapng', 'slip', 'ipv6-udp', 'coap', 'tlv', 'yaml-config']);
  });

  test('inputs are reproducible from (seed, index) alone', () => {
    const seeds = [Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])];
    expect(fuzzInput(seeds, 7, 12345)).toEqual(fuzzInput(seeds, 7, 12345));
    expect(fuzzInput(seeds, 7, 12345)).not.toEqual(fuzzInput(seeds, 7, 12346));
  });

  test.each(TARGETS.map((t) => [t.name, t] as const))('%s: no escape, no slow input', (_name, target) => {
    // A different seed per CI run would make a failure unreproducible; the full job varies --seed.
    const r = drive(target, 20261204, 0, BUDGET[target.name] ?? 1000);
    expect({ escapes: r.escapes, slow: r.slow, samples: r.samples }).toEqual({ escapes: 0, slow: 0, samples: [] });
    expect(r.inputs).toBe(BUDGET[target.name] ?? 1000);
  });
});

describe('fuzz seeds', () => {
  test('the YAML seeds are valid rig and suite files, so mutations start past the first check', () => {
    const yaml = TARGETS.find((t) => t.name === 'yaml-config')!;
    expect(yaml.seeds).toHaveLength(5);
    for (const s of yaml.seeds) expect(() => yaml.run(s)).not.toThrow();
  });
});

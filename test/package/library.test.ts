/**
 * csmp-hil as a library: `import … from 'csmp-hil'` resolves through package.json's exports map to
 * the built entry and its declarations, the documented Jest example type-checks against those
 * declarations as a lab's project would see them, and the CLI calls nothing of harness/app that the
 * library does not offer (one API for both). The example itself runs as a test of its own
 * (examples/jest/virtual-rig.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = process.cwd();
const LIBRARY = join(ROOT, 'harness/app/library.ts');

/** The names library.ts exports (values and types), from its source. */
function libraryNames(): Set<string> {
  const text = readFileSync(LIBRARY, 'utf8');
  const names = new Set<string>();
  for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(',')) {
      const name = part.trim().replace(/^type\s+/, '');
      if (name) names.add(name);
    }
  }
  return names;
}

test("Node resolves 'csmp-hil' through the exports map to the built entry, beside its types", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, { types: string; import: string }> };
  expect(pkg.exports['.']).toEqual({ types: './dist/harness/app/library.d.ts', import: './dist/harness/app/library.js' });
  // A package may import itself by name through its exports map, as a dependent project does.
  const script = "const m = await import('csmp-hil'); console.log(JSON.stringify({ url: import.meta.resolve('csmp-hil'), names: Object.keys(m).sort() }));";
  const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' })) as { url: string; names: string[] };
  expect(out.url).toBe(`file://${join(ROOT, 'dist/harness/app/library.js')}`);
  const api = libraryNames();
  expect(out.names).toEqual(expect.arrayContaining(['openBench', 'loadRig', 'runSuites', 'Nms', 'TLV', 'decodeIpv6Message', 'decodePayload', 'ConfigError']));
  // What loads at run time is what library.ts declares (its type-only names vanish, nothing appears).
  expect(out.names.filter((n) => !api.has(n))).toEqual([]);
  const dts = readFileSync(join(ROOT, 'dist/harness/app/library.d.ts'), 'utf8');
  for (const name of ['openBench', 'OpenedBench', 'runSuites', 'RunSuitesOptions', 'Nms', 'TLV', 'decodePayload', 'ResourceError']) expect(dts).toContain(name);
});

test('the Jest example type-checks against the published declarations', () => {
  // examples/tsconfig.json resolves 'csmp-hil' like a dependent project: exports → .d.ts, no sources.
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'examples/tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
}, 60_000);

test('the CLI uses the library: every harness/app name a command imports is a library export', () => {
  const api = libraryNames();
  const used = new Map<string, string>();
  const dir = join(ROOT, 'harness/cli');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/^import (?:type )?\{([^}]*)\} from '(?:\.\.\/)+app\/([a-z-]+)\.js';/gm)) {
      for (const part of m[1]!.split(',')) {
        const name = part.trim().replace(/^type\s+/, '');
        if (name) used.set(name, `harness/cli/${f} (app/${m[2]})`);
      }
    }
  }
  expect(used.size).toBeGreaterThan(10);
  expect([...used].filter(([name]) => !api.has(name)).map(([name, where]) => `${name} in ${where}`)).toEqual([]);
});

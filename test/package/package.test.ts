/**
 * What `npm pack` would publish, and what the package declares: the tarball carries the CLI, the
 * suites, the rigs, the schemas and the papers (LICENSE, README, CHANGELOG) but no compiled test or
 * benchmark; the license file matches package.json; every runtime dependency is imported by the
 * product and every package the product imports is a runtime dependency.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const ROOT = process.cwd();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.(ts|mjs)$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Bare package names imported (statically or dynamically) by the product's sources. */
function importedPackages(): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of ['core', 'drivers', 'harness', 'rigs'].flatMap(sources)) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const statements = /^(?:import|export)\b[^;]*?\bfrom\s+['"]([^'".][^'"]*)['"]|^import\s+['"]([^'".][^'"]*)['"]|\bimport\(\s*['"]([^'".][^'"]*)['"]\s*\)/gm;
    for (const m of text.matchAll(statements)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!found.has(name)) found.set(name, file);
    }
  }
  return found;
}

test('npm pack ships the product and its papers, and no tests or benchmarks', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  expect(files.filter((f) => /(^|\/)(test|bench)\/|\.test\.js$/.test(f))).toEqual([]);
  expect(files.filter((f) => /^rigs\/.*\.ts$/.test(f))).toEqual([]);
  // Types ship for the library's entry and what it names, never for tests or the example.
  expect(files.filter((f) => f.endsWith('.d.ts') && !f.startsWith('dist/'))).toEqual([]);
  expect(files.filter((f) => f.startsWith('examples/'))).toEqual([]);
  for (const needed of [
    'LICENSE',
    'README.md',
    'CHANGELOG.md',
    'package.json',
    'dist/harness/cli/main.js',
    'dist/harness/app/library.js',
    'dist/harness/app/library.d.ts',
    'dist/drivers/lease/redis-backend.js',
    'dist/harness/nms/pkcs11-key.js',
    'suites/1-registration.yaml',
    'rigs/virtual.yaml',
    'rigs/bench.example.yaml',
    'rigs/virtual/pty/pty-helper.py',
    'rigs/virtual/keys/nms-cert.pem',
    'harness/csmp/schema/csmp.proto',
  ]) {
    expect(files).toContain(needed);
  }
  // The published JSON Schemas, wherever they live.
  expect(files.filter((f) => /(^|\/)(rig|suite)\.schema\.json$/.test(f)).map((f) => f.replace(/^.*\//, '')).sort()).toEqual(['rig.schema.json', 'suite.schema.json']);
}, 60_000);

test('LICENSE is the Apache License 2.0 text that package.json names', () => {
  expect(pkg.license).toBe('Apache-2.0');
  const text = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  expect(text).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\/\s/);
  expect(text).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
  expect(text).toContain('END OF TERMS AND CONDITIONS');
});

test('CHANGELOG follows Keep a Changelog', () => {
  const text = readFileSync(join(ROOT, 'CHANGELOG.md'), 'utf8');
  expect(text).toMatch(/^# Changelog\n/);
  expect(text).toContain('https://keepachangelog.com/en/1.1.0/');
  expect(text).toMatch(/^## \[Unreleased\]$/m);
  const versions = [...text.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((m) => m[1]);
  expect(versions).toContain((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  for (const heading of text.matchAll(/^### (.+)$/gm)) expect(['Added', 'Changed', 'Deprecated', 'Removed', 'Fixed', 'Security']).toContain(heading[1]);
});

test('runtime dependencies are exactly what the product imports', () => {
  const imported = importedPackages();
  // pkcs11js is optional: a native build only HSM users need; the product loads it on demand.
  const runtime = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})].sort();
  expect(runtime.filter((d) => !imported.has(d))).toEqual([]);
  expect([...imported].filter(([name]) => !runtime.includes(name)).map(([name, file]) => `${name} (${file})`)).toEqual([]);
});

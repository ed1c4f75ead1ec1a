/**
 * A JUnit path that cannot be replaced by rename (a bind mount, as CI runners mount report paths
 * into containers): the JUnit is rewritten in place, whole, instead of failing the run (exit 4) and
 * leaving the empty file (also in a read-only folder, where no lock file can go either); and an
 * in-place write that runs out of space puts the previous bytes back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest } from '@jest/globals';
import { tempDir } from '../suites/support/rigs.js';
import { ensureBuilt, MAIN, ROOT } from '../harness/cli/support/cli.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { inMountNamespace, onTmpfs } from './support/mount-namespace.js';

jest.setTimeout(120_000);

const tmp = tempDir('hil-inplace-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

describe('a JUnit file that is a bind mount', () => {
  onTmpfs('the run writes it in place: exit 0, no recording failure, and the mounted file holds the whole JUnit', async () => {
    const source = join(tmp.dir, 'mounted-source.xml');
    const target = join(tmp.dir, 'ci', 'junit.xml');
    const script = [
      `mkdir -p "${tmp.dir}/ci"`,
      `: > "${source}"`,
      `: > "${target}"`,
      `mount --bind "${source}" "${target}"`,
      `"${process.execPath}" "${MAIN}" run suites/3-firmware-info.yaml --reports "${tmp.dir}/r" --reporter "junit=${target}" --no-html`,
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).not.toContain('results not fully recorded');
    expect(r.code).toBe(0);
    // The mount is gone with its namespace: what was written went to the file mounted.
    const xml = readFileSync(source, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(xml) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: { testcase: unknown[] }[] };
    };
    expect([doc.testsuites['@_tests'], doc.testsuites['@_failures']]).toEqual(['12', '0']);
    expect(doc.testsuites.testsuite.flatMap((t) => t.testcase)).toHaveLength(12);
  });

  onTmpfs('in a read-only folder, the file itself mounted writable: no lock beside it (a warning), the JUnit written in place, exit 0', async () => {
    const source = join(tmp.dir, 'ro-source.xml');
    const folder = join(tmp.dir, 'ro');
    const target = join(folder, 'junit.xml');
    const script = [
      `mkdir -p "${folder}"`,
      `: > "${source}"`,
      `: > "${target}"`,
      `mount --bind "${folder}" "${folder}"`,
      `mount -o remount,ro,bind "${folder}"`,
      `mount --bind "${source}" "${target}"`,
      `"${process.execPath}" "${MAIN}" run suites/3-firmware-info.yaml --reports "${tmp.dir}/r-ro" --reporter "junit=${target}" --no-html`,
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).toContain(
      `hil run: warning: ${target}: not locked (cannot create the lock: the file system is read-only (EROFS)): another run naming it would not be refused\n`,
    );
    expect(r.stderr).not.toContain('results not fully recorded');
    expect(r.code).toBe(0);
    const xml = readFileSync(source, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<testsuites name="virtual" tests="12" failures="0"');
  });

  onTmpfs('an in-place write that runs out of space keeps the previous file, byte for byte, and says why', async () => {
    const mnt = join(tmp.dir, 'small');
    const target = join(tmp.dir, 'report.xml');
    const atomic = join(ROOT, 'dist', 'core', 'atomic-write.js');
    writeFileSync(target, '');
    const program = [
      `const { writeFileAtomic } = await import(${JSON.stringify(atomic)});`,
      'try {',
      `  writeFileAtomic(${JSON.stringify(target)}, 'x'.repeat(256 * 1024), { inPlaceFallback: true });`,
      "  console.log('written');",
      '} catch (e) {',
      '  console.log(e.message);',
      '}',
    ].join('\n');
    const script = [
      `mkdir -p "${mnt}"`,
      `mount -t tmpfs -o size=64k tmpfs "${mnt}"`,
      `printf '<old-report/>\\n' > "${mnt}/report.xml"`,
      `dd if=/dev/zero of="${mnt}/filler" bs=4k 2>/dev/null`,
      `mount --bind "${mnt}/report.xml" "${target}"`,
      `"${process.execPath}" --input-type=module -e '${program.replace(/'/g, "'\\''")}'`,
      `cat "${target}"`,
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${target}: cannot write in place: no space left on the device (ENOSPC); the previous file is kept\n<old-report/>\n`);
    expect(readFileSync(target, 'utf8')).toBe('');
  });
});

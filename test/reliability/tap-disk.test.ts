/**
 * `tap=FILE` on a disk that fills mid-run (tmpfs in a private mount namespace: the kernel's own
 * ENOSPC and short writes): the TAP holds whole lines only, claims no plan, and ends with a
 * Bail out! saying results were lost, written over its last lines when no byte is left. The disk change waits on what the run
 * wrote (its first test line), never on time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, jest } from '@jest/globals';
import { tempDir } from '../suites/support/rigs.js';
import { ensureBuilt, MAIN, ROOT } from '../harness/cli/support/cli.js';
import { inMountNamespace, onTmpfs } from './support/mount-namespace.js';

jest.setTimeout(240_000);

const tmp = tempDir('hil-tap-disk-');
afterAll(() => tmp.cleanup());
beforeAll(() => ensureBuilt(), 180_000);

/** Every line is one a TAP 13 consumer reads as a whole line (none cut off mid-way). */
const TAP_LINE = /^(TAP version 13|# .*|(not )?ok \d+ - .*|  ---|  \.\.\.| {2}[A-Za-z"-].*|Bail out! .*|1\.\.\d+)$/;

describe('TAP when its disk fills', () => {
  onTmpfs('whole lines, no plan, and a Bail out! naming the loss; the run exits 4', async () => {
    const mnt = join(tmp.dir, 'mnt');
    const tap = join(mnt, 'out.tap');
    const copy = join(tmp.dir, 'copy.tap');
    const script = [
      `mkdir -p "${mnt}"`,
      `mount -t tmpfs -o size=1m tmpfs "${mnt}"`,
      // Six meters: far more TAP than the room left in its last page once the disk is full.
      `"${process.execPath}" "${MAIN}" run suites/1-registration.yaml suites/3-firmware-info.yaml --meters 6 --reports "${tmp.dir}/r" --reporter "junit,tap=${tap}" --no-html >/dev/null 2>"${tmp.dir}/err" &`,
      'pid=$!',
      `until grep -q '^ok 1 ' "${tap}" 2>/dev/null; do kill -0 $pid 2>/dev/null || break; sleep 0.05; done`,
      `dd if=/dev/zero of="${mnt}/filler" bs=4k 2>/dev/null`,
      'wait $pid',
      'echo "run exit $?"',
      `cp "${tap}" "${copy}"`,
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stdout).toBe('run exit 4\n');
    expect(readFileSync(join(tmp.dir, 'err'), 'utf8')).toContain(`hil run: cannot record results: ${tap}: no space left on the device (ENOSPC)`);
    const lines = readFileSync(copy, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.filter((l) => !TAP_LINE.test(l))).toEqual([]);
    expect(lines[0]).toBe('TAP version 13');
    expect(lines.at(-1)).toBe('Bail out! TAP output lost: results could not be written (no space left on the device (ENOSPC)); this output is incomplete');
    expect(lines.filter((l) => /^1\.\./.test(l))).toEqual([]);
    const numbers = lines.filter((l) => /^(not )?ok \d+ /.test(l)).map((l) => Number(/ok (\d+) /.exec(l)![1]));
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    expect(numbers.length).toBeLessThan(48);
  });
});

describe('the loss marker on a disk with no byte left', () => {
  onTmpfs('writeLast puts it over the last whole lines, cutting the file after it, and says which lines it gave up', async () => {
    const mnt = join(tmp.dir, 'full');
    const file = join(mnt, 'out.tap');
    const stream = join(ROOT, 'dist', 'harness', 'report', 'sync-file-stream.js');
    const program = [
      `const { SyncFileStream } = await import(${JSON.stringify(stream)});`,
      `const s = new SyncFileStream(${JSON.stringify(file)});`,
      'let n = 0;',
      'try {',
      // Lines of 63 bytes until the disk refuses one: the marker then has no byte of its own.
      '  for (;;) s.write(`ok ${String(++n).padStart(5, "0")} - ${"x".repeat(51)}\\n`);',
      '} catch (e) {',
      '  console.log(`refused line ${n}: ${e.code}`);',
      '}',
      'const dropped = s.writeLast("Bail out! TAP output lost\\n");',
      'console.log(`gave up ${dropped.length}: ${dropped.map((l) => l.slice(0, 8)).join(",")}`);',
      's.close();',
    ].join('\n');
    const script = [
      `mkdir -p "${mnt}"`,
      `mount -t tmpfs -o size=64k tmpfs "${mnt}"`,
      `dd if=/dev/zero of="${mnt}/filler" bs=4k count=15 2>/dev/null`,
      `"${process.execPath}" --input-type=module -e '${program.replace(/'/g, "'\\''")}'`,
      `tail -n 2 "${file}"`,
      `wc -c < "${file}"`,
    ].join('\n');
    const r = await inMountNamespace(script);
    expect(r.stderr).toBe('');
    // Where the disk refused depends on the file system's block accounting; what follows, not.
    const refused = Number(/^refused line (\d+): ENOSPC\n/.exec(r.stdout)?.[1]);
    expect(refused).toBeGreaterThan(2);
    const line = (n: number): string => `ok ${String(n).padStart(5, '0')} - ${'x'.repeat(51)}`;
    expect(r.stdout).toBe(
      [`refused line ${refused}: ENOSPC`, `gave up 1: ${line(refused - 1).slice(0, 8)}`, line(refused - 2), 'Bail out! TAP output lost', String((refused - 2) * (line(1).length + 1) + 26), ''].join('\n'),
    );
  });
});

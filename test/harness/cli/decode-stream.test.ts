/**
 * hil decode as a stream, through the built CLI: a capture larger than the process's whole heap,
 * stdin fed in pieces, damage arriving on stdin, and a path that never ends.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTORS } from '../../support/vectors.js';
import { ensureBuilt, MAIN } from './support/cli.js';

jest.setTimeout(120_000);

function run(args: string[], input?: (stdin: NodeJS.WritableStream) => void, nodeFlags: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, MAIN, 'decode', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input) input(child.stdin);
    else child.stdin.end();
  });
}

const get = readFileSync(join(VECTORS, 'csmp_get.pcap'));
const register = readFileSync(join(VECTORS, 'csmp_register.pcap'));

describe('hil decode streaming', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-decode-s-'));
    await ensureBuilt();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a capture larger than the heap the process may use decodes whole, counts exact', async () => {
    // 20 MB of the registration exchange under a 16 MB old generation: reading it whole (as
    // before) kept every record and ran out of heap.
    const file = join(dir, 'big.pcap');
    const records = register.subarray(24);
    const times = Math.ceil((20 << 20) / records.length);
    const fd = openSync(file, 'w');
    writeSync(fd, register.subarray(0, 24));
    const block = Buffer.concat(Array.from({ length: 256 }, () => records));
    for (let i = 0; i < times; i += 256) writeSync(fd, block);
    closeSync(fd);
    const n = Math.ceil(times / 256) * 256;
    const r = await run(['--count', '--json', file], undefined, ['--max-old-space-size=16']);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual({ messages: 2 * n, devices: { '0A0027FFFE3B2AB2': 2 * n }, paths: { '/r': 2 * n }, codes: { '0.02 POST': n, '2.03 Valid': n } });
  });

  test('stdin (-), fed a few bytes at a time, decodes as the file does', async () => {
    const fromFile = await run(['--json', join(VECTORS, 'csmp_get.pcap')]);
    const fromStdin = await run(['--json', '-'], (stdin) => {
      let at = 0;
      const more = () => {
        if (at >= get.length) return stdin.end();
        const piece = get.subarray(at, at + 97);
        at += 97;
        stdin.write(piece, more);
      };
      more();
    });
    expect(fromStdin.code).toBe(0);
    expect(fromStdin.stdout.trimEnd().split('\n')).toHaveLength(36);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
  });

  test('damage on stdin: the frames before it, then the error naming stdin, record and offset; exit 2', async () => {
    const r = await run(['--json', '-'], (stdin) => stdin.end(get.subarray(0, 300)));
    expect(r.code).toBe(2);
    expect(r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).frame)).toEqual([1, 2]);
    expect(r.stderr).toBe('hil decode: stdin: record 3: truncated (header says 664 bytes, 21 remain) (byte offset 263, after 2 records)\n');
  });

  test('a path that never ends (/dev/zero) is refused at its first bytes, not read until memory runs out', async () => {
    const r = await run(['/dev/zero']);
    expect([r.code, r.stderr]).toEqual([2, 'hil decode: /dev/zero: unknown magic 0x00000000 (byte offset 0)\n']);
  });

  test('a missing file and a folder say so', async () => {
    expect((await run([join(dir, 'nope.pcap')])).stderr).toBe(`hil decode: ${join(dir, 'nope.pcap')}: cannot read: ENOENT\n`);
    expect((await run([dir])).stderr).toBe(`hil decode: ${dir}: cannot read: it is a folder (EISDIR)\n`);
  });
});

/**
 * hil decode on worker threads prints, byte for byte, what one thread prints: the same lines in
 * the same order, the same filters, and on a damaged capture everything before the damage and
 * then the same error. Through the built CLI (its default is two threads) and
 * in-process with threads asked for.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDecode, type DecodeOptions } from '../../../harness/cli/commands/decode.js';
import { VECTORS } from '../../support/vectors.js';
import { ensureBuilt, MAIN } from './support/cli.js';

jest.setTimeout(120_000);

const get = readFileSync(join(VECTORS, 'csmp_get.pcap'));
const register = readFileSync(join(VECTORS, 'csmp_register.pcap'));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  // spawnSync blocks Jest's own timer: a child that never ended would stall the whole run, so the
  // hang guard is the child's own (a hung decode is then a failure naming it, not a stuck CI job).
  const r = spawnSync(process.execPath, [MAIN, 'decode', ...args], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 100_000, killSignal: 'SIGKILL' });
  if (r.error) throw new Error(`hil decode ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function inProcess(file: string, opts: Partial<DecodeOptions>): Promise<{ code: number; text: string; err: string[] }> {
  const chunks: Buffer[] = [];
  const err: string[] = [];
  const code = await runDecode(file, { ports: '61628,61624', ...opts }, { out: { write: (b) => (chunks.push(Buffer.from(b)), true), once: () => undefined }, err: (s) => err.push(s) });
  return { code, text: Buffer.concat(chunks).toString('utf8'), err };
}

describe('hil decode --threads', () => {
  let dir: string;
  let big: string;
  let damaged: string;
  let copies: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-decode-t-'));
    // About 6 MB: several 1 MB read chunks, so several batches per worker, records cut by chunk ends.
    const records = Buffer.concat([register.subarray(24), get.subarray(24)]);
    copies = Math.ceil((6 << 20) / records.length);
    big = join(dir, 'big.pcap');
    const fd = openSync(big, 'w');
    writeSync(fd, register.subarray(0, 24));
    for (let i = 0; i < copies; i++) writeSync(fd, records);
    closeSync(fd);
    // The same capture cut in the middle of its last record's data.
    const whole = readFileSync(big);
    damaged = join(dir, 'damaged.pcap');
    writeFileSync(damaged, whole.subarray(0, whole.length - 20));
    await ensureBuilt();
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([[[]], [['--json']], [['--json', '--code', '2.05']], [['--tlv', '75']], [['--since', '2020-01-01T00:00:00Z']]])('%j: three threads print what one prints', (args) => {
    const one = cli(['--threads', '1', ...args, big]);
    const three = cli(['--threads', '3', ...args, big]);
    expect(one.code).toBe(0);
    expect(one.stderr).toBe('');
    expect(one.stdout.length).toBeGreaterThan(0);
    expect(three).toEqual(one);
  });

  test('every frame once, in order', () => {
    const lines = cli(['--threads', '2', '--json', big]).stdout.trimEnd().split('\n');
    const frames = lines.map((l) => (JSON.parse(l) as { frame: number }).frame);
    // Every record of both captures is a CSMP message: 2 + 36 per copy.
    expect(frames.length).toBe(copies * 38);
    expect(frames.every((f, i) => f === i + 1)).toBe(true);
  });

  test('a damaged capture: the frames before the damage, then the same error, exit 2', () => {
    const one = cli(['--threads', '1', damaged]);
    const two = cli(['--threads', '2', damaged]);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/^hil decode: .*damaged\.pcap: record \d+: truncated \(header says \d+ bytes, \d+ remain\) \(byte offset \d+, after \d+ records\)\n$/);
    expect(two).toEqual(one);
    expect(one.stdout.split('\n#').length).toBe(copies * 38 - 1);
  });

  test('in-process, with threads asked for: the same bytes as without', async () => {
    const one = await inProcess(big, { json: true });
    const two = await inProcess(big, { json: true, threads: 2 });
    expect(two.code).toBe(0);
    expect(two.err).toEqual([]);
    expect(two.text).toBe(one.text);
  });

  test.each([1, 2])('a reader that stalls near the end gets every line (threads %i): the exit waits for stdout', async (threads) => {
    // A pipe's writes are asynchronous: exiting at once delivered 64 KiB of a 4 MiB output to such a reader.
    // The reader stops a few hundred lines before the end, so the pipe is full when the writer is
    // done: an exit that does not wait for its output drops what is still queued. The reader goes
    // on when the writer has exited or after 3 s (a writer that waits, as it must, is still
    // running then). Right code passes at any pace.
    const child = spawn(process.execPath, [MAIN, 'decode', '--json', '--threads', String(threads), big], { stdio: ['ignore', 'pipe', 'pipe'] });
    let exitCode: number | null | undefined;
    const exited = new Promise<void>((resolve) => child.on('exit', (code) => ((exitCode = code), resolve())));
    const total = copies * 38;
    let bytes = 0;
    let newlines = 0;
    let held = false;
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      for (const c of d) if (c === 0x0a) newlines++;
      if (!held && newlines >= total - 400) {
        held = true;
        child.stdout.pause();
        let timer: NodeJS.Timeout | undefined;
        void Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 3000)))]).then(() => {
          clearTimeout(timer);
          child.stdout.resume();
        });
      }
    });
    await new Promise((resolve) => child.stdout.on('end', resolve));
    await exited;
    expect(held).toBe(true);
    expect(exitCode).toBe(0);
    expect(bytes).toBeGreaterThan(1 << 22);
    expect(newlines).toBe(copies * 38);
  });

  test.each([2, 3])('a live feed on %i threads: each frame is printed while the input idles, in order', async (threads) => {
    // One record at a time, the next only once the last is on stdout: with output held until a
    // window of batches had gone out, the first frame never came and this waited forever.
    const records: Buffer[] = [];
    for (let at = 24; at < get.length; at += 16 + get.readUInt32LE(at + 8)) records.push(get.subarray(at, at + 16 + get.readUInt32LE(at + 8)));
    const feed = new Feed();
    let text = '';
    const printed: { lines: number; resolve: () => void }[] = [];
    const out = {
      write: (b: Uint8Array) => {
        text += Buffer.from(b).toString('utf8');
        const lines = text.split('\n').length - 1;
        for (const w of printed.splice(0)) if (lines >= w.lines) w.resolve(); else printed.push(w);
        return true;
      },
      once: () => undefined,
    };
    const linesOut = (n: number) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`frame ${n}: not printed within 20 s of its arrival; output so far: ${JSON.stringify(text.slice(-200))}`)), 20_000);
      printed.push({ lines: n, resolve: () => (clearTimeout(timer), resolve()) });
      out.write(new Uint8Array(0));
    });
    const done = runDecode('-', { ports: '61628,61624', json: true, threads }, { out, err: () => undefined, stdin: feed });
    feed.push(get.subarray(0, 24));
    for (let i = 0; i < 8; i++) {
      feed.push(records[i]!);
      await linesOut(i + 1);
    }
    feed.end();
    expect(await done).toBe(0);
    expect(text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { frame: number }).frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  test('--threads must be a whole number from 1 to 64', () => {
    const r = cli(['--threads', '0', big]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--threads must be a whole number from 1 to 64, got "0"');
    expect(r.stdout).toBe('');
  });
});

/** stdin that a test feeds by hand: each chunk arrives when pushed, the end when ended. */
class Feed implements AsyncIterable<Uint8Array> {
  private readonly queue: (Uint8Array | null)[] = [];
  private wake: (() => void) | undefined;

  push(b: Uint8Array): void {
    this.queue.push(b);
    this.wake?.();
  }

  end(): void {
    this.queue.push(null);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const b = this.queue.shift()!;
      if (b === null) return;
      yield b;
    }
  }
}

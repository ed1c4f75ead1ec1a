/**
 * `hil monitor` (the built bin, output to /dev/null, pcap written) on a pty fed SLIP frames of the
 * registration exchange at 10× the dongle's 115200-baud line rate (LineRate, as the virtual
 * dongle paces its line): every frame must arrive, none dropped; the monitor's own counters say so.
 * Run it alone: `node dist/bench/monitor.js`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcapFile } from '../drivers/pcap/reader.js';
import { slipEncode } from '../drivers/slip/slip-encode.js';
import { LineRate } from '../rigs/virtual/dongle/line-rate.js';
import { PtyPair } from '../rigs/virtual/pty/pty-pair.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(root, 'dist', 'harness', 'cli', 'main.js');

export interface MonitorFigures {
  sent: number;
  received: number;
  dropped: number;
  framesPerSec: number;
}

export async function benchMonitor(log: (s: string) => void, frames = 1500): Promise<MonitorFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'hil-bench-monitor-'));
  const packets = readPcapFile(join(root, 'test', 'fixtures', 'vectors', 'csmp_register.pcap')).records.map((r) => slipEncode(r.ipv6!));
  const pty = await PtyPair.open({ link: join(dir, 'dongle') });
  try {
    const child = spawn(process.execPath, [MAIN, 'monitor', join(dir, 'dongle'), '--frames', String(frames), '--stats', '0', '--pcap', join(dir, 'cap')], {
      stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'],
      env: { ...process.env, TMPDIR: dir },
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!stderr.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`hil monitor did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const baud = 115200 * 10;
    const line = new LineRate(baud, (b) => pty.write(b));
    const t0 = performance.now();
    let bytes = 0;
    for (let i = 0; i < frames; i++) {
      const p = packets[i % packets.length]!;
      bytes += p.length;
      line.send(p);
    }
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 60_000 + line.durationMs(bytes)))]);
    const sec = (performance.now() - t0) / 1000;
    line.close();
    if (code === 'timeout') child.kill('SIGINT');
    const finalCode = code === 'timeout' ? await exited : code;
    const m = /(?:done|stopped): ([\d,]+) frames, ([\d,]+) bytes, ([\d,]+) dropped/.exec(stderr);
    if (!m) throw new Error(`hil monitor gave no counters (exit ${finalCode}): ${stderr}`);
    const n = (s: string): number => Number(s.replace(/,/g, ''));
    const f = { sent: frames, received: n(m[1]!), dropped: n(m[3]!), framesPerSec: n(m[1]!) / sec };
    log(`monitor      ${fmt(frames)} SLIP frames at 10× 115200 baud (${fmt(baud / 10)} bytes/s of line, ${fmt(bytes / line.durationMs(bytes) * 1000 / (bytes / frames))} frames/s offered): received ${fmt(f.received)}, dropped ${fmt(f.dropped)} (counters: ${m[0]}) in ${sec.toFixed(1)} s`);
    return f;
  } finally {
    await pty.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const f = await benchMonitor((s) => process.stdout.write(`${s}\n`));
  process.stdout.write(`  target: no frame dropped at 10× the line rate (${f.received === f.sent && f.dropped === 0 ? 'met' : 'NOT met'})\n`);
}

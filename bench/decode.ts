/**
 * `hil decode` on a generated capture of HIL_BENCH_DECODE_MB (default 1024) MB — the FND
 * registration exchange and the GET session of the reference captures, repeated — as a user runs
 * it: the built bin with its own node flags, output to /dev/null, text and --json. Beside it, in the
 * same run: stock tshark reading two CoAP fields from the same file, tshark with the CSMP dissector
 * (`hil wireshark`) on a prefix of it (at its rate a gigabyte takes most of an hour; the rate per
 * megabyte is what is compared), and the codec alone (decodeIpv6Message over the same records in
 * memory, one thread), against which the tool's throughput is judged; the bin decodes on two worker
 * threads (its default), as a user runs it. Run it alone: `node dist/bench/decode.js`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultThreads } from '../harness/cli/commands/decode.js';
import { readPcapFile } from '../drivers/pcap/reader.js';
import { decodeIpv6Message } from '../harness/decode/message.js';
import { tsharkCsmpArgs, writeWiresharkFiles } from '../harness/decode/wireshark.js';

export interface DecodeFigures {
  fileMB: number;
  textMBps: number;
  jsonMBps: number;
  textRssMB: number;
  jsonRssMB: number;
  codecMBps: number;
  tsharkStockMBps: number | undefined;
  tsharkCsmpMBps: number | undefined;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(root, 'dist', 'harness', 'cli', 'main.js');
const PEAK = join(root, 'dist', 'bench', 'peak-rss.js');

export function benchDecode(vectorsDir: string, log: (s: string) => void): DecodeFigures {
  const mb = Number(process.env.HIL_BENCH_DECODE_MB ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'hil-bench-decode-'));
  try {
    const file = join(dir, 'field.pcap');
    const sources = ['csmp_register.pcap', 'csmp_get.pcap'].map((f) => readFileSync(join(vectorsDir, f)));
    // Both captures are Ethernet with microsecond times: one global header, their records repeated.
    const records = Buffer.concat(sources.map((s) => s.subarray(24)));
    const block = Buffer.concat(Array.from({ length: Math.ceil((8 << 20) / records.length) }, () => records));
    const fd = openSync(file, 'w');
    writeSync(fd, sources[0]!.subarray(0, 24));
    for (let written = 0; written < mb * 1e6; written += block.length) writeSync(fd, block);
    closeSync(fd);
    const bytes = statSync(file).size;
    const fileMB = bytes / 1e6;
    const framesPerCopy = sources.reduce((n, s) => n + readPcapFile(join(vectorsDir, s === sources[0] ? 'csmp_register.pcap' : 'csmp_get.pcap')).records.length, 0);
    const frames = ((bytes - 24) / records.length) * framesPerCopy;
    log(`decode       generated capture: ${fileMB.toFixed(0)} MB, ${fmt(frames)} frames (registration exchange + GET session, repeated)`);

    const codec = codecRate(vectorsDir, records.length);
    log(`decode       codec only (decodeIpv6Message, records in memory): ${codec.toFixed(1)} MB/s of capture`);

    // The bin's default: two worker threads on a machine with two cores (the codec figure is one thread).
    const threads = defaultThreads();
    const text = runHil(file, []);
    const json = runHil(file, ['--json']);
    for (const [label, r] of [['text', text], ['--json', json]] as const) {
      log(`decode       hil decode ${label.padEnd(6)} (${threads} worker threads) ${r.sec.toFixed(1)} s, ${(fileMB / r.sec).toFixed(1)} MB/s (${fmt(frames / r.sec)} frames/s), peak RSS ${r.rssMB.toFixed(0)} MB; ${((fileMB / r.sec / codec) * 100).toFixed(0)} % of the codec`);
    }

    const stock = timed('tshark', ['-n', '-r', file, '-d', 'udp.port==61628,coap', '-T', 'fields', '-e', 'coap.code', '-e', 'coap.mid']);
    const stockMBps = stock && fileMB / stock.sec;
    if (stock) log(`decode       stock tshark, two CoAP fields: ${stock.sec.toFixed(1)} s, ${stockMBps!.toFixed(1)} MB/s, peak RSS ${stock.rssMB?.toFixed(0) ?? '?'} MB → hil decode text is ${(fileMB / text.sec / stockMBps!).toFixed(2)}× it`);

    let csmpMBps: number | undefined;
    const ws = join(dir, 'ws');
    writeWiresharkFiles(ws);
    const prefixMB = Math.min(16, mb);
    const prefix = join(dir, 'prefix.pcap');
    writeFileSync(prefix, Buffer.concat([sources[0]!.subarray(0, 24), ...Array.from({ length: Math.ceil((prefixMB * 1e6) / records.length) }, () => records)]));
    const csmp = timed('tshark', ['-n', '-r', prefix, ...tsharkCsmpArgs(ws, [61628]), '-T', 'fields', '-e', 'csmp.tlv.type']);
    if (csmp) {
      csmpMBps = statSync(prefix).size / 1e6 / csmp.sec;
      log(`decode       tshark with the CSMP dissector, one field, ${(statSync(prefix).size / 1e6).toFixed(0)} MB prefix: ${csmpMBps.toFixed(2)} MB/s → hil decode text is ${(fileMB / text.sec / csmpMBps).toFixed(1)}× it`);
    }
    return { fileMB, textMBps: fileMB / text.sec, jsonMBps: fileMB / json.sec, textRssMB: text.rssMB, jsonRssMB: json.rssMB, codecMBps: codec, tsharkStockMBps: stockMBps, tsharkCsmpMBps: csmpMBps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bin's own node flags (its shebang line), so the bench runs what `hil decode` runs. */
function binFlags(): string[] {
  const first = readFileSync(MAIN, 'utf8').split('\n', 1)[0]!;
  return first.split(/\s+/).filter((w) => w.startsWith('--'));
}

function runHil(file: string, args: string[]): { sec: number; rssMB: number } {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [...binFlags(), PEAK, MAIN, 'decode', ...args, file], { stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'], encoding: 'utf8' });
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  const kb = /PEAK_RSS_KB=(\d+)/.exec(r.stderr ?? '');
  if (r.status !== 0 || !kb) throw new Error(`hil decode ${args.join(' ')} failed: ${r.stderr}`);
  return { sec, rssMB: Number(kb[1]) / 1024 };
}

/** Wall time and (with GNU time) peak RSS of a tool; undefined when it is not installed. */
function timed(tool: string, args: string[]): { sec: number; rssMB: number | undefined } | undefined {
  const gnuTime = existsSync('/usr/bin/time');
  const t = process.hrtime.bigint();
  const r = gnuTime
    ? spawnSync('/usr/bin/time', ['-f', 'MAXRSS_KB=%M', tool, ...args], { stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'], encoding: 'utf8' })
    : spawnSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.error || r.status !== 0) return undefined;
  const kb = /MAXRSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { sec, rssMB: kb ? Number(kb[1]) / 1024 : undefined };
}

/** MB of capture per second through decodeIpv6Message alone, over the records of one copy many times. */
function codecRate(vectorsDir: string, copyBytes: number): number {
  const packets = ['csmp_register.pcap', 'csmp_get.pcap'].flatMap((f) => readPcapFile(join(vectorsDir, f)).records.map((r) => r.ipv6!));
  const rounds = 3000;
  let tlvs = 0;
  const t = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) for (const p of packets) tlvs += decodeIpv6Message(p, { trailing: 'ignore' }).tlvs.length;
  const sec = Number(process.hrtime.bigint() - t) / 1e9;
  if (tlvs === 0) throw new Error('bench codec check failed: no TLVs decoded');
  return (rounds * copyBytes) / 1e6 / sec;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = benchDecode(join(root, 'test', 'fixtures', 'vectors'), (s) => process.stdout.write(`${s}\n`));
  process.stdout.write(`${targets(figures)}\n`);
}

export function targets(f: DecodeFigures): string {
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : 'NOT met');
  return [
    `  target: peak RSS <150 MB (text ${f.textRssMB.toFixed(0)}, json ${f.jsonRssMB.toFixed(0)}: ${met(f.textRssMB < 150 && f.jsonRssMB < 150)})`,
    `faster than stock tshark two fields (${met(f.tsharkStockMBps === undefined ? undefined : f.textMBps > f.tsharkStockMBps && f.jsonMBps > f.tsharkStockMBps)})`,
    `≥10× tshark with the CSMP dissector (${met(f.tsharkCsmpMBps === undefined ? undefined : f.textMBps >= 10 * f.tsharkCsmpMBps)})`,
    `≥60 % of the codec (${met(f.textMBps >= 0.6 * f.codecMBps && f.jsonMBps >= 0.6 * f.codecMBps)})`,
  ].join(', ');
}

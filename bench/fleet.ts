/**
 * Fleet registration: N virtual meters (fleet mode, one UDP socket each on ::1) register against
 * the harness's NMS role (Nms on a UdpLink on ::1) in one Node process. Every /r is answered with
 * a freshly signed 2.03 (its own SessionID, so its own signature) and every meter verifies it
 * (ECDSA, P-256, SHA-256, its CGMSStats sigOk) before it counts as registered. Measured in the
 * same process just before: node:crypto's sign and verify rates on a payload of the size the NMS
 * signs, so the registration rate reads as a fraction of the cryptographic limit of the machine.
 *
 * Load shape. The meters power up in waves: at most `concurrency` registrations are outstanding,
 * and each completed one boots the next meter, whose /r leaves about 1 ms later (trickle
 * regInterval 1..64 s: the first timer is due at once, a lost /r is sent again 1-2 s later).
 * Booting all N at once does not measure the NMS: the reference agent's trickle timers fire on
 * whole device seconds, so thousands of meters send in the same millisecond, the NMS socket's
 * receive buffer (net.core.rmem_default, ~90 datagrams of this size) overflows, and the figure
 * is the kernel's drop rate and the agents' retry back-off. With a bounded window the NMS and
 * the meters stay busy and nothing is lost (resent /r are counted and printed anyway).
 *
 * Registration time: from the meter's first /r leaving its socket to its acceptance of the
 * signed 2.03 (the 'registered' event, after sigOk). Rate: N / (last acceptance - first /r).
 * Memory: the process's RSS high-water mark (getrusage maxrss) and the peak of V8's used heap,
 * sampled every 100 ms. The whole measurement runs in a child process (`benchFleet` spawns this
 * file with --child), so the other sections' allocations are not in its RSS high-water mark;
 * run it alone with `node dist/bench/fleet.js` (add --cpu-prof to profile).
 */
import { spawn } from 'node:child_process';
import { sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { UdpLink } from '../drivers/udp/udp-link.js';
import type { Datagram } from '../drivers/link/types.js';
import { decodeTlvs } from '../harness/csmp/tlv.js';
import { publicKeyFrom } from '../harness/csmp/keys.js';
import { loadPrivateKeyPem } from '../harness/nms/key-file.js';
import { TLV } from '../harness/csmp/tlv-ids.js';
import { parseSignatureValue } from '../harness/csmp/asn1.js';
import { decodeValue } from '../harness/csmp/value.js';
import { Nms } from '../harness/nms/nms.js';
import { NmsSigner } from '../harness/nms/signing.js';
import type { NmsEvent } from '../harness/nms/events.js';
import { registrationResponsePayload } from '../harness/nms/response-builder.js';
import { startFleet, type Fleet } from '../rigs/virtual/fleet/fleet.js';

export interface FleetBenchOptions {
  /** Meters (default 10 000). */
  count?: number;
  /** Registrations outstanding at once (default 32). */
  concurrency?: number;
  /** Bound on the fleet part, ms (default 120 000). */
  timeoutMs?: number;
  /** Seconds of each crypto measurement (default 1). */
  cryptoSeconds?: number;
}

export interface FleetFigures {
  count: number;
  concurrency: number;
  registrationsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** /r sent beyond one per meter (lost or answered too late): 0 on a healthy run. */
  resentRegistrations: number;
  peakRssMB: number;
  peakHeapMB: number;
  /** Heap still in use once every meter registered (after a full GC when run with --expose-gc). */
  settledHeapMB: number;
  signedBytes: number;
  signPerSec: number;
  verifyPerSec: number;
  signVerifyPerSec: number;
  /** registrationsPerSec / signVerifyPerSec. */
  ratio: number;
  startupSec: number;
}

const here = fileURLToPath(import.meta.url);
const root = join(dirname(here), '..', '..');
const KEY = join(root, 'rigs', 'virtual', 'keys', 'nms-key.pem');
const CERT = join(root, 'rigs', 'virtual', 'keys', 'nms-cert.pem');
const MB = 1024 * 1024;
/**
 * Registrations outstanding at once. Each is a /r and then a report to the NMS socket, whose
 * default receive buffer holds ~90 datagrams of this size: 32 leaves room (96 starts losing
 * some), and from 16 to 64 the rate on this machine is the same within noise (only the
 * registration time grows with the window, as queueing does).
 */
const DEFAULT_WINDOW = 32;

/** Runs the measurement in a child process and prints the section's lines. Throws when a check fails. */
export async function benchFleet(log: (s: string) => void, opts: FleetBenchOptions = {}): Promise<FleetFigures> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const child = spawn(process.execPath, ['--expose-gc', here, '--child', JSON.stringify(opts)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  // The child bounds itself; this is the backstop (crypto + start-up + fleet + slack).
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(kill);
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || line === undefined) {
    throw new Error(`fleet bench failed (exit ${code}): ${(err.trim() || out.trim()).split('\n').slice(-6).join(' | ')}`);
  }
  const f = JSON.parse(line) as FleetFigures;
  printFigures(f, log);
  return f;
}

export function printFigures(f: FleetFigures, log: (s: string) => void): void {
  log(`fleet        ${fmt(f.count)} meters register on ::1, signed 2.03 verified by each (window ${f.concurrency}, fleet start-up ${f.startupSec.toFixed(1)} s)`);
  log(`fleet        ${fmt(f.registrationsPerSec)} registrations/s; registration time p50 ${f.p50Ms.toFixed(1)} ms, p99 ${f.p99Ms.toFixed(1)} ms, max ${f.maxMs.toFixed(1)} ms; ${f.resentRegistrations} /r resent`);
  log(`fleet        peak RSS ${fmt(f.peakRssMB)} MB (NMS + fleet, one process); heap used peak ${fmt(f.peakHeapMB)} MB, ${fmt(f.settledHeapMB)} MB live when all registered`);
  log(`ecdsa P-256  ${f.signedBytes}-byte payload, SHA-256: sign ${fmt(f.signPerSec)}/s, verify ${fmt(f.verifyPerSec)}/s, sign+verify ${fmt(f.signVerifyPerSec)}/s → registrations at ${(f.ratio * 100).toFixed(0)}% of the sign+verify limit`);
}

// ---- the child ----

async function measure(opts: FleetBenchOptions): Promise<FleetFigures> {
  const count = opts.count ?? 10_000;
  const concurrency = Math.min(opts.concurrency ?? DEFAULT_WINDOW, count);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const signer = await NmsSigner.load(KEY, CERT);
  const certPem = readFileSync(CERT, 'utf8');
  const crypto = await cryptoLimit(signer, certPem, opts.cryptoSeconds ?? 1);

  let peakHeap = 0;
  const sampleHeap = (): void => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sampleHeap, 100);

  const link = new UdpLink({ bind: [{ address: '::1', port: 0 }], name: 'bench-nms' });
  let fleet: Fleet | undefined;
  let nms: Nms | undefined;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await link.open();
    const nmsPort = link.boundPorts[0]!;
    const t0 = performance.now();
    fleet = await startFleet({
      count,
      nms: { address: '::1', port: nmsPort },
      basePort: 0,
      timeScale: 1,
      nmsKey: certPem,
      regInterval: { min: 1, max: 64 },
    });
    const startupSec = (performance.now() - t0) / 1000;
    // Held off until admitted (startFleet boots them; no timer has run yet).
    for (const m of fleet.meters) m.agent.shutdown();

    // Built once the meters' ports are known, before any of them sends; on the fleet's time line,
    // so its SignatureValidity windows and the meters' clocks agree.
    nms = new Nms({
      addresses: [{ name: 'fnd', address: '::1' }],
      port: nmsPort,
      devices: fleet.meters.map((m) => ({ name: `fleet-${m.index}`, eui64: m.eui64, address: m.address, port: m.port })),
      signer,
      clock: fleet.clock,
    });
    await nms.start([link]);

    const sentAt = new Float64Array(count);
    const doneAt = new Float64Array(count);
    for (const m of fleet.meters) {
      // The agent has no send hook: wrap its datagram output to see when its /r leaves.
      const agent = m.agent as unknown as { sendOut: (d: Datagram) => void };
      if (typeof agent.sendOut !== 'function') throw new Error('MeterAgent.sendOut is gone: update bench/fleet.ts');
      const out = agent.sendOut;
      const i = m.index;
      agent.sendOut = (d) => {
        if (sentAt[i] === 0 && isRegistration(d.payload)) sentAt[i] = performance.now();
        out(d);
      };
    }

    let next = 0;
    let done = 0;
    const all = new Promise<void>((resolve, reject) => {
      deadline = setTimeout(() => reject(new Error(`${count - done} of ${count} meters not registered within ${timeoutMs} ms: ${JSON.stringify(fleet!.states())}`)), timeoutMs);
      const admit = (): void => {
        while (next < count && next - done < concurrency) fleet!.meters[next++]!.agent.boot();
      };
      for (const m of fleet!.meters) {
        m.agent.once('registered', () => {
          doneAt[m.index] = performance.now();
          done++;
          if (done === count) resolve();
          else admit();
        });
        m.agent.once('crash', (e) => reject(new Error(`meter ${m.index} crashed: ${e.message}`)));
      }
      admit();
    });
    await all;
    clearTimeout(deadline);

    // Every registration really signed by the NMS and verified by its meter.
    let sigOk = 0;
    let sigBad = 0;
    let attempts = 0;
    for (const m of fleet.meters) {
      const s = m.agent.stats;
      sigOk += s.sigOk;
      sigBad += s.sigBadAuth + s.sigBadValidity + s.sigNoSync + s.sigNoSignature;
      attempts += s.regAttempts;
    }
    const answered = nms.events.log.filter((e: NmsEvent) => e.name === 'registrationRequest');
    const signedAnswers = answered.filter((e) => e.details?.['signed'] === true).length;
    const sessions = new Set(answered.map((e) => e.details?.['sessionId'])).size;
    const problems = [
      sigOk !== count && `sigOk ${sigOk} != ${count} meters`,
      sigBad !== 0 && `${sigBad} signature failures`,
      signedAnswers !== answered.length && `${answered.length - signedAnswers} unsigned 2.03`,
      answered.length < count && `${answered.length} 2.03 sent for ${count} meters`,
      sessions !== count && `${sessions} distinct SessionIDs for ${count} meters`,
      fleet.states().registered !== count && `states ${JSON.stringify(fleet.states())}`,
    ].filter(Boolean);
    if (problems.length > 0) throw new Error(`fleet bench check failed: ${problems.join('; ')}`);

    let firstSent = Infinity;
    let lastDone = 0;
    for (let i = 0; i < count; i++) {
      if (sentAt[i] === 0) throw new Error(`fleet bench: no /r seen leaving meter ${i}`);
      firstSent = Math.min(firstSent, sentAt[i]!);
      lastDone = Math.max(lastDone, doneAt[i]!);
    }
    const times = Array.from(doneAt, (d, i) => d - sentAt[i]!).sort((a, b) => a - b);
    sampleHeap();
    (globalThis as { gc?: () => void }).gc?.();
    const settledHeap = getHeapStatistics().used_heap_size;
    const registrationsPerSec = count / ((lastDone - firstSent) / 1000);
    return {
      count,
      concurrency,
      registrationsPerSec,
      p50Ms: quantile(times, 0.5),
      p99Ms: quantile(times, 0.99),
      maxMs: times[times.length - 1]!,
      resentRegistrations: attempts - count,
      peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
      peakHeapMB: peakHeap / MB,
      settledHeapMB: settledHeap / MB,
      ...crypto,
      ratio: registrationsPerSec / crypto.signVerifyPerSec,
      startupSec,
    };
  } finally {
    clearTimeout(deadline);
    clearInterval(sampler);
    await nms?.stop();
    await fleet?.stop();
    await link.close();
  }
}

/**
 * node:crypto on this machine, on the bytes the NMS signs in a 2.03 (ReportSubscribe, SessionID,
 * SignatureValidity), with the calls the NMS and the meters make: sign with the NMS key, verify
 * the DER signature with the certificate's public key.
 */
async function cryptoLimit(
  signer: NmsSigner,
  certPem: string,
  seconds: number,
): Promise<{ signedBytes: number; signPerSec: number; verifyPerSec: number; signVerifyPerSec: number }> {
  const now = Date.now();
  const sample = registrationResponsePayload({ reportSubscribe: { interval: 900, tlvids: [String(TLV.Uptime), String(TLV.WPANStatus)] }, sessionId: '5000', groupAssign: [] }, signer, now);
  const sigTlv = decodeTlvs(sample).find((t) => t.type === TLV.Signature)!;
  const prefix = sample.subarray(0, sigTlv.offset);
  const key = await loadPrivateKeyPem(KEY);
  const pub = publicKeyFrom(certPem);
  const wrapper = decodeValue(sigTlv).value?.['value'];
  if (!(wrapper instanceof Uint8Array)) throw new Error('crypto bench: Signature TLV without value');
  const der = parseSignatureValue(wrapper).ecdsaDer;
  if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, der)) throw new Error('crypto bench: the NMS signature does not verify');

  const rate = (op: () => void): number => {
    for (let i = 0; i < 200; i++) op(); // warm up
    let n = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let t = t0;
    while (t < end) {
      for (let i = 0; i < 50; i++) op();
      n += 50;
      t = performance.now();
    }
    return n / ((t - t0) / 1000);
  };
  let bad = 0;
  const signPerSec = rate(() => sign('sha256', prefix, { key, dsaEncoding: 'der' }));
  const verifyPerSec = rate(() => {
    if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, der)) bad++;
  });
  const signVerifyPerSec = rate(() => {
    if (!verify('sha256', prefix, { key: pub, dsaEncoding: 'der' }, sign('sha256', prefix, { key, dsaEncoding: 'der' }))) bad++;
  });
  if (bad !== 0) throw new Error(`crypto bench: ${bad} verifications failed`);
  return { signedBytes: prefix.length, signPerSec, verifyPerSec, signVerifyPerSec };
}

/** CoAP POST with Uri-Path "r" and no token: `4x 02 mm mm b1 72`. */
function isRegistration(b: Uint8Array): boolean {
  return b.length >= 6 && b[1] === 0x02 && (b[0]! & 0x0f) === 0 && b[4] === 0xb1 && b[5] === 0x72;
}

function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const child = process.argv[2] === '--child';
  const opts = (child ? JSON.parse(process.argv[3] ?? '{}') : {}) as FleetBenchOptions;
  if (!child) {
    for (const a of process.argv.slice(2)) {
      const [k, v] = a.replace(/^--/, '').split('=');
      if (k === 'count' || k === 'concurrency' || k === 'timeoutMs' || k === 'cryptoSeconds') opts[k] = Number(v);
    }
  }
  measure(opts).then(
    (f) => {
      if (child) process.stdout.write(`${JSON.stringify(f)}\n`);
      else printFigures(f, (s) => process.stdout.write(`${s}\n`));
      process.exit(0);
    },
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}

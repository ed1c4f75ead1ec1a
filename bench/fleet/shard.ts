/**
 * One shard of the fleet bench: an NMS (Nms on a UdpLink on ::1, its own port) and the meters it
 * serves, all in one thread. Every /r is answered with a freshly signed 2.03 (its own SessionID,
 * so its own signature) and every meter verifies it (ECDSA P-256, its CGMSStats sigOk) before it
 * counts as registered. Several shards run on worker threads, one per core, as a head-end spreads
 * its devices over its cores; the bench adds their figures up.
 *
 * Load shape. The meters power up in waves: at most `concurrency` registrations are outstanding,
 * and each completed one boots the next meter, whose /r leaves about 1 ms later (trickle
 * regInterval 1..64 s: the first timer is due at once, a lost /r is sent again 1-2 s later).
 * Booting all N at once does not measure the NMS: the reference agent's trickle timers fire on
 * whole device seconds, so thousands of meters send in the same millisecond, the NMS socket's
 * receive buffer (net.core.rmem_default, ~90 datagrams of this size) overflows, and the figure
 * is the kernel's drop rate and the agents' retry back-off. With a bounded window the NMS and
 * the meters stay busy and nothing is lost (resent /r are counted and printed anyway).
 */
import { readFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
import { UdpLink } from '../../drivers/udp/udp-link.js';
import type { Datagram } from '../../drivers/link/types.js';
import { Nms } from '../../harness/nms/nms.js';
import { NmsSigner } from '../../harness/nms/signing.js';
import type { NmsEvent } from '../../harness/nms/events.js';
import { startFleet, type Fleet } from '../../rigs/virtual/fleet/fleet.js';
import { CERT, KEY } from './keys.js';

export interface ShardOptions {
  /** This shard's number (0..), which sets its meters' EUI-64s apart from the other shards'. */
  shard: number;
  count: number;
  concurrency: number;
  timeoutMs: number;
}

export interface ShardResult {
  count: number;
  /** Per meter: when its first /r left and when it accepted the signed 2.03, ms since the epoch (comparable across threads). */
  sentAt: Float64Array;
  doneAt: Float64Array;
  /** /r sent beyond one per meter (lost or answered too late): 0 on a healthy run. */
  resent: number;
  startupSec: number;
  peakHeapMB: number;
  settledHeapMB: number;
}

export interface Shard {
  /** Boots the meters (window by window) and resolves when every one registered, after the checks. */
  run(): Promise<ShardResult>;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;
const FIRST_EUI64 = 0x00173bfffe100000n;

/** Everything up to the first /r: sockets bound, meters built and held off, the NMS listening. */
export async function prepareShard(opts: ShardOptions): Promise<Shard> {
  const { count } = opts;
  const signer = await NmsSigner.load(KEY, CERT);
  const certPem = readFileSync(CERT, 'utf8');
  let peakHeap = 0;
  const sampleHeap = (): void => {
    peakHeap = Math.max(peakHeap, getHeapStatistics().used_heap_size);
  };
  const sampler = setInterval(sampleHeap, 100);
  const link = new UdpLink({ bind: [{ address: '::1', port: 0 }], name: `bench-nms-${opts.shard}` });
  let fleet: Fleet | undefined;
  let nms: Nms | undefined;
  const stop = async (): Promise<void> => {
    clearInterval(sampler);
    await nms?.stop();
    await fleet?.stop();
    await link.close();
  };
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
      firstEui64: (FIRST_EUI64 + BigInt(opts.shard) * 0x100000n).toString(16).padStart(16, '0'),
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
    const f = fleet;
    const n = nms;
    return { run: () => admitAll(f, n, opts, startupSec, sampleHeap, () => peakHeap), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function admitAll(fleet: Fleet, nms: Nms, opts: ShardOptions, startupSec: number, sampleHeap: () => void, peakHeap: () => number): Promise<ShardResult> {
  const { count, concurrency, timeoutMs } = opts;
  const sentAt = new Float64Array(count);
  const doneAt = new Float64Array(count);
  const now = (): number => performance.timeOrigin + performance.now();
  for (const m of fleet.meters) {
    // The agent has no send hook: wrap its datagram output to see when its /r leaves.
    const agent = m.agent as unknown as { sendOut: (d: Datagram) => void };
    if (typeof agent.sendOut !== 'function') throw new Error('MeterAgent.sendOut is gone: update bench/fleet/shard.ts');
    const out = agent.sendOut;
    const i = m.index;
    agent.sendOut = (d) => {
      if (sentAt[i] === 0 && isRegistration(d.payload)) sentAt[i] = now();
      out(d);
    };
  }
  let next = 0;
  let done = 0;
  let deadline: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      deadline = setTimeout(() => reject(new Error(`${count - done} of ${count} meters not registered within ${timeoutMs} ms: ${JSON.stringify(fleet.states())}`)), timeoutMs);
      const admit = (): void => {
        while (next < count && next - done < concurrency) fleet.meters[next++]!.agent.boot();
      };
      for (const m of fleet.meters) {
        m.agent.once('registered', () => {
          doneAt[m.index] = now();
          done++;
          if (done === count) resolve();
          else admit();
        });
        m.agent.once('crash', (e) => reject(new Error(`meter ${m.index} crashed: ${e.message}`)));
      }
      admit();
    });
  } finally {
    clearTimeout(deadline);
  }
  const resent = check(fleet, nms, count);
  for (let i = 0; i < count; i++) if (sentAt[i] === 0) throw new Error(`fleet bench: no /r seen leaving meter ${i} of shard ${opts.shard}`);
  sampleHeap();
  (globalThis as { gc?: () => void }).gc?.();
  return { count, sentAt, doneAt, resent, startupSec, peakHeapMB: peakHeap() / MB, settledHeapMB: getHeapStatistics().used_heap_size / MB };
}

/** Every registration really signed by the NMS and verified by its meter; returns the /r resent. */
function check(fleet: Fleet, nms: Nms, count: number): number {
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
  return attempts - count;
}

/** CoAP POST with Uri-Path "r" and no token: `4x 02 mm mm b1 72`. */
function isRegistration(b: Uint8Array): boolean {
  return b.length >= 6 && b[1] === 0x02 && (b[0]! & 0x0f) === 0 && b[4] === 0xb1 && b[5] === 0x72;
}

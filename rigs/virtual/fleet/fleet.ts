/**
 * Fleet mode: thousands of virtual meters on real UDP sockets on the loopback, in this process,
 * for load tests of the NMS side and of the harness itself (design.md "Scale").
 *
 * Each meter is a MeterAgent with an in-memory board and one UDP socket on [bind]:basePort+i
 * that serves both its CSMP server and its own requests (the note's meters send from the port
 * they listen on), so the NMS tells meters apart by port (and DeviceID). Meters share their
 * immutable settings until one changes (copy on write), and there are no consoles, ptys or
 * power sockets: a fleet meter costs an agent, a socket and a few timers.
 *
 * One socket per meter means one file descriptor each: `ulimit -n` bounds `count`; an EMFILE
 * is reported as a ResourceError naming the limit.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { KeyObject } from 'node:crypto';
import { publicKeyFrom } from '../../../harness/csmp/keys.js';
import { ResourceError, resourceCodeOf } from '../../../core/errors.js';
import { MeterAgent, type AgentState } from '../meter/agent.js';
import { FaultSet, type FaultName } from '../meter/faults.js';
import { canonicalIpv6 } from '../meter/ipv6-address.js';
import { MemoryPlatform } from '../meter/memory-platform.js';
import { DEFAULT_HARDWARE, type MeterSettings } from '../meter/platform.js';
import { defaultFirmware } from '../config.js';
import { TimeScale } from '../time-scale.js';

export interface FleetOptions {
  count: number;
  /** Where the meters register and report. */
  nms: { address: string; port: number };
  /** Meter i listens and sends on basePort + i; 0 = any free port per meter (see FleetMeter.port). */
  basePort: number;
  /** Local address of every meter socket (default ::1). */
  bind?: string;
  /** First EUI-64 (16 hex digits); meter i gets first + i (default 00173bfffe100000). */
  firstEui64?: string;
  timeScale?: number;
  epochMs?: number;
  /** Registration trickle bounds, device seconds (default 10/20). */
  regInterval?: { min: number; max: number };
  /** NMS public key (KeyObject or PEM certificate/key): with it, meters require signed POSTs and responses. */
  nmsKey?: KeyObject | string;
  /** Fault models per meter index. */
  faults?: (index: number) => FaultName[];
  /** Firmware version and hwId every meter runs. */
  firmware?: { version: string; hwId: string };
  /** Firmware group id every meter starts in. */
  firmwareGroup?: number;
}

export interface FleetMeter {
  index: number;
  eui64: string;
  address: string;
  port: number;
  agent: MeterAgent;
}

export class Fleet {
  private stopped = false;

  constructor(
    readonly clock: TimeScale,
    readonly meters: readonly FleetMeter[],
    private readonly sockets: readonly Socket[],
  ) {}

  /** How many meters are in each agent state. */
  states(): Record<AgentState, number> {
    const out: Record<AgentState, number> = { off: 0, registering: 0, registered: 0, crashed: 0 };
    for (const m of this.meters) out[m.agent.state]++;
    return out;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const m of this.meters) m.agent.close();
    this.clock.clearAll();
    await Promise.all(this.sockets.map(closeQuietly));
  }
}

export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  if (!Number.isInteger(opts.count) || opts.count < 1) throw new TypeError(`"count" must be a positive integer, got ${opts.count}`);
  if (opts.basePort !== 0 && (opts.basePort < 1 || opts.basePort + opts.count - 1 > 65535)) throw new TypeError(`ports ${opts.basePort}..${opts.basePort + opts.count - 1} are out of range`);
  const bind = canonicalIpv6(opts.bind ?? '::1');
  const nms = { address: canonicalIpv6(opts.nms.address), port: opts.nms.port };
  const clock = new TimeScale(opts.timeScale ?? 1, opts.epochMs ?? Date.now());
  const key = opts.nmsKey === undefined ? undefined : typeof opts.nmsKey === 'string' ? publicKeyFrom(opts.nmsKey) : opts.nmsKey;
  const fw = opts.firmware ?? { version: '5.6.21', hwId: 'RFLAN/3.60/3.80' };
  // One settings object for all: MemoryPlatform replaces (never mutates) it on a change.
  const shared: MeterSettings = {
    ssid: new TextEncoder().encode('CRDC'),
    panId: 1234,
    txPower: 28,
    demoMode: false,
    nms: key ? { publicKey: key, valid: true } : { valid: false },
    firmware: defaultFirmware(fw.version, fw.hwId),
    groups: opts.firmwareGroup !== undefined ? { firmware: opts.firmwareGroup } : {},
  };
  const first = BigInt(`0x${opts.firstEui64 ?? '00173bfffe100000'}`);
  const meters: FleetMeter[] = [];
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < opts.count; i++) {
      const eui64 = (first + BigInt(i)).toString(16).padStart(16, '0');
      const socket = createSocket({ type: 'udp6', ipv6Only: true });
      sockets.push(socket);
      await bindSocket(socket, bind, opts.basePort === 0 ? 0 : opts.basePort + i);
      const port = socket.address().port;
      const deviceClock = clock.boardClock();
      const platform = new MemoryPlatform(shared, (posix) => deviceClock.set(posix * 1000));
      const agent = new MeterAgent({
        identity: {
          name: `fleet-${i}`,
          eui64,
          address: bind,
          serverPort: port,
          clientPort: 'server',
          nms,
          regInterval: opts.regInterval ?? { min: 10, max: 20 },
          signatures: { post: key !== undefined, response: key !== undefined },
          hardware: DEFAULT_HARDWARE,
          parentLinkLocal: 'fe80::1',
          slotSize: 512 * 1024,
        },
        platform,
        time: deviceClock,
        send: (d) => socket.send(d.payload, d.dstPort, d.dst),
        faults: new FaultSet(opts.faults?.(i) ?? []),
        dagSize: opts.count + 1,
        portSeed: i + 1,
      });
      socket.on('message', (payload, rinfo) => agent.receive({ src: canonicalIpv6(rinfo.address), srcPort: rinfo.port, dst: bind, dstPort: port, payload }));
      // A send to a closed NMS port gives ICMP unreachable → ECONNREFUSED on some stacks: the agent ignores ICMP.
      socket.on('error', () => {});
      meters.push({ index: i, eui64, address: bind, port, agent });
    }
  } catch (e) {
    for (const m of meters) m.agent.close();
    await Promise.all(sockets.map(closeQuietly));
    clock.clearAll();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EMFILE') throw new ResourceError('fleet', 'limit', `out of file descriptors after ${meters.length} meters: raise \`ulimit -n\` or lower count`, { cause: e });
    const port = opts.basePort === 0 ? 0 : opts.basePort + meters.length;
    throw new ResourceError('fleet', resourceCodeOf(e), `cannot bind meter socket ${meters.length} ([${bind}]:${port}): ${(e as Error).message}`, { cause: e });
  }
  for (const m of meters) m.agent.boot();
  return new Fleet(clock, meters, sockets);
}

function bindSocket(socket: Socket, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    socket.once('error', onError);
    socket.bind({ address, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

function closeQuietly(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // never bound, or already closed
    }
  });
}

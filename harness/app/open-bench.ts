/**
 * A bench from a rig file, ready for steps: the virtual rig started when the rig has a `virtual`
 * section (its ports then come from the simulation), every link opened, the NMS started on
 * them (behind its host firewall), and a console and power control for each device that
 * has them. `close()` undoes all of it in reverse order, also after a failed open, and is safe
 * to call twice: no process, pty, socket, timer or lock is left behind, and the virtual rig's
 * files stay inside `runDir`.
 */
import { join } from 'node:path';
import { Console } from '../../drivers/console/console.js';
import { renderTranscript, transcriptLines } from '../../drivers/console/transcript.js';
import { consoleOptionsFromSpec } from './console-from-rig.js';
import { SlipLink } from '../../drivers/link/slip-link.js';
import type { Link } from '../../drivers/link/types.js';
import { PowerControl } from '../../drivers/power/power-control.js';
import { UdpLink } from '../../drivers/udp/udp-link.js';
import { VirtualRig } from '../../rigs/virtual/rig.js';
import type { LinkSpec, Rig } from '../config/rig.js';
import { ConfigError } from '../../core/errors.js';
import type { LeaseStore } from '../../core/lease.js';
import { lockDirUsable } from '../../drivers/lease/file-backend.js';
import { nmsFromRig, signerFromRig } from '../nms/from-rig.js';
import type { Nms } from '../nms/nms.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { Bench } from '../steps/bench.js';
import type { DeviceConsole, DevicePower } from '../steps/device-control.js';
import { FrameLog } from '../steps/frame-log.js';
import { BenchObservations } from './bench-observations.js';
import { deviceIdReader, IdentityGuard, type IdentityVerdict } from '../nms/identity-guard.js';
import type { ConsoleLog } from './captures.js';

/**
 * The report interval the NMS asks for in its registration responses (device seconds). FND's
 * shortest template interval is 900 s; a test bench needs "down" (three missed reports) to show
 * within minutes on hardware and within seconds on the virtual rig.
 */
export const BENCH_REPORT_INTERVAL_S = 60;

/** How long a device that came back on a reconnected link has to tell its DeviceID (real ms). */
const IDENTITY_TIMEOUT_MS = 5000;

export interface OpenBenchOptions {
  /** Where the virtual rig keeps its ptys, sockets and flash files. */
  runDir: string;
  /** Only these devices get a console and power control opened (default: all). */
  devices?: readonly string[];
  reportIntervalS?: number;
  /** Serial port lock directory (default: drivers/serial's, the folder `hil monitor` and `hil locks` look in). */
  lockDir?: string;
  /** Trouble the bench survives but a person should hear of (the virtual rig's flash kept in memory). */
  onWarning?: (line: string) => void;
  /** A virtual rig that keeps state resumes its boards from the last run ('cold': forgets them) and saves them at close. */
  persistence?: 'resume' | 'cold';
  /** How the virtual rig's meters started (resumed, or cold and why). */
  onNotice?: (line: string) => void;
  /** Where hardware rigs' serial ports are leased (the rig's `locks`); default lock files in `lockDir`. */
  leases?: LeaseStore;
}

export interface OpenedBench {
  /** The rig with the virtual rig's paths filled in. */
  rig: Rig;
  bench: Bench;
  nms: Nms;
  /** Raw links by name (captures listen here, before the firewall). */
  links: ReadonlyMap<string, Link>;
  consoleLogs: ReadonlyMap<string, ConsoleLog>;
  /** Frames (decoded once), power actions and NMS changes as report events. */
  observations: BenchObservations;
  virtual: VirtualRig | undefined;
  close(): Promise<void>;
}

export async function openBench(rigIn: Rig, opts: OpenBenchOptions): Promise<OpenedBench> {
  const undo: (() => Promise<void> | void)[] = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        // Keep closing the rest: one stuck part must not leave the others running.
      }
    }
  };
  try {
    let rig = rigIn;
    let virtual: VirtualRig | undefined;
    let clock: Clock = systemClock;
    let timeScale = 1;
    let lockDir = opts.lockDir;
    let leases = opts.leases;
    if (rig.virtual) {
      virtual = await VirtualRig.start(rig, join(opts.runDir, 'rig'), {
        ...(opts.onWarning ? { onWarning: opts.onWarning } : {}),
        ...(opts.onNotice ? { onNotice: opts.onNotice } : {}),
        ...(opts.persistence ? { persistence: opts.persistence } : {}),
      });
      undo.push(() => virtual!.stop());
      rig = virtual.resolveRig(rig);
      clock = virtual.clock;
      timeScale = virtual.clock.scale;
      // The simulation's ptys exist on this host only: leased in the local lock folder (never the
      // rig's Redis), the one `hil monitor PATH` and `hil locks` look in, so a monitor pointed at
      // the dongle a run holds is refused naming the run, not with the OS's "Cannot lock port".
      // Where another user's shared folder is not writable, in the run folder as before.
      leases = undefined;
      if (lockDir === undefined && !lockDirUsable()) lockDir = join(opts.runDir, 'rig', 'locks');
    }

    const nmsAddresses = rig.nms.addresses.map((a) => a.address);
    // Before the links open: a serial link says at its first open which device node it bound to.
    const observations = new BenchObservations(rig);
    undo.push(() => observations.stop());
    const links = new Map<string, Link>();
    for (const spec of rig.links) {
      const link = makeLink(spec, nmsAddresses, lockDir, leases);
      observations.watchLink(link);
      await link.open();
      undo.push(() => link.close());
      links.set(spec.name, link);
    }

    const signer = await signerFromRig(rig.nms.signing);
    undo.push(() => signer.close());
    const nms = await nmsFromRig(rig, { clock, signer, registration: { reportIntervalS: opts.reportIntervalS ?? BENCH_REPORT_INTERVAL_S } });
    await nms.start([...links.values()]);
    undo.push(() => nms.stop());
    // Boards kept for the next run: what this run's NMS saw of each, beside what the board keeps.
    if (virtual?.stateFolder) undo.push(() => sayWhatNmsSaw(nms, [...virtual!.meters.keys()], opts.onNotice));

    observations.watchNms(nms);
    // After a serial link comes back (a dongle re-enumerated), its devices are asked for their
    // DeviceID; one that answers with another EUI-64 is refused (noted, and its tests not run).
    const guard = new IdentityGuard(rig.devices, deviceIdReader(nms.client, Math.max(1, Math.round(IDENTITY_TIMEOUT_MS * timeScale))));
    for (const spec of rig.links) if (spec.kind === 'slip') guard.watch(spec.name, links.get(spec.name)!);
    guard.on('refused', (v: IdentityVerdict) => observations.addNote({ kind: 'identity-refused', message: v.message, device: v.device }));
    undo.push(() => guard.stop());
    const frames = new FrameLog();
    observations.on('frame', (f) => frames.add(f));

    const wanted = new Set(opts.devices ?? rig.devices.map((d) => d.name));
    const consoles = new Map<string, DeviceConsole>();
    const consoleLogs = new Map<string, ConsoleLog>();
    const powers = new Map<string, DevicePower>();
    for (const d of rig.devices) {
      if (!wanted.has(d.name)) continue;
      if (d.console) {
        const con = await Console.open(consoleOptionsFromSpec(d.name, d.console));
        undo.push(() => con.close());
        consoles.set(d.name, {
          run: async (command, o = {}) => (await con.run(command, o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {})).output,
        });
        consoleLogs.set(d.name, {
          textSince: (ms) => renderTranscript(con.transcript().filter((e) => e.at >= ms)),
          linesSince: (ms) => transcriptLines(con.transcript().filter((e) => e.at >= ms)),
        });
      }
      if (d.power) {
        const p = new PowerControl(d.name, { on: d.power.on, off: d.power.off, ...(d.power.cycle ? { cycle: d.power.cycle } : {}), ...(d.power.offMs !== undefined ? { cycleOffMs: d.power.offMs } : {}), timeoutMs: d.power.timeoutMs });
        powers.set(
          d.name,
          observations.observedPower(d.name, {
            switch: async (op, opts) => {
              await (op === 'on' ? p.on() : op === 'off' ? p.off() : p.cycle(opts?.afterOff ? { afterOff: opts.afterOff } : {}));
            },
          }),
        );
      }
    }

    const bench = new Bench({ rig, nms, clock, timeScale, links, frames, consoles, powers, refusal: (d) => guard.refusal(d)?.message });
    return { rig, bench, nms, links, consoleLogs, observations, virtual, close };
  } catch (e) {
    await close();
    throw e;
  }
}

function sayWhatNmsSaw(nms: Nms, devices: readonly string[], say: ((line: string) => void) | undefined): void {
  for (const d of devices) {
    const rec = nms.devices.get(d);
    if (rec) say?.(`nms: ${d}: ${rec.state}; this run's NMS answered ${rec.registrationCount} registration(s) (POST /r) of it and heard ${rec.reportCount} report(s)`);
  }
}

function makeLink(spec: LinkSpec, localAddresses: string[], lockDir: string | undefined, leases: LeaseStore | undefined): Link {
  if (spec.kind === 'slip') {
    return new SlipLink({ name: spec.name, path: spec.path, baudRate: spec.baudRate, localAddresses, ...(lockDir ? { lockDir } : {}), ...(leases ? { leases } : {}) });
  }
  const m = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(spec.bind) ?? /^([0-9A-Fa-f:.]+)$/.exec(spec.bind);
  if (!m) throw new ConfigError(`link '${spec.name}'`, 'value', `bind '${spec.bind}' is not '[address]:port' or an address`);
  return new UdpLink({ name: spec.name, bind: [{ address: m[1]!, port: m[2] !== undefined ? Number(m[2]) : 61628 }] });
}

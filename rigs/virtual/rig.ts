/**
 * The virtual rig: a simulated RF dongle on a real pty (raw IPv6 over SLIP) and the virtual
 * meters behind it, each with its CSMP agent, device clock and flash, plus the boards' consoles
 * and power controls. It runs inside the harness process (the pty master lives in the Python
 * helper, so there is no libuv blocking issue) or standalone under `hil sim`.
 *
 *   const sim = await VirtualRig.start(rig, runDir);   // rig: a loaded rig file
 *   sim.describe()  → { dongle: '<runDir>/dongle0', consoles: {...}, powerSockets: {...} }
 *   sim.resolveRig(rig) → the rig with those paths filled in, for the harness to open
 *   sim.clock       → the rig's time line (use it as the NMS Clock)
 *   await sim.stop()
 *
 * Everything the rig creates lives in runDir or is a child it ends: stop() leaves no process,
 * pty, socket or timer behind.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HeldLeases } from '../../core/lease.js';
import type { Datagram } from '../../drivers/link/types.js';
import type { ConsoleSpec, PowerSpec, Rig } from '../../harness/config/rig.js';
import { systemReason } from '../../core/atomic-write.js';
import { ResourceError, resourceCodeOf } from '../../core/errors.js';
import { nmsCertificateOnly } from '../../harness/config/nms-certificate.js';
import { parseVirtualSection, type VirtualConfig } from './config.js';
import { VirtualDongle } from './dongle/dongle.js';
import { linkLocalFromEui64, eui64Bytes } from './meter/ipv6-address.js';
import { VirtualMeter } from './virtual-meter.js';
import type { MeterState } from './state/meter-state.js';
import { PtyPair } from './pty/pty-pair.js';
import { SeededRng } from './seeded-rng.js';
import { TimeScale } from './time-scale.js';
import { claimStateFolder, clearStateFolder, forgetMeter, loadMeter, nmsKeyFingerprint, saveMeter, stateFolder, type SavedMeter } from './state/state-folder.js';

/** The dongle's own link-local address: every meter's mesh parent (IPRoute next hop). */
export const BORDER_ROUTER_LINK_LOCAL = 'fe80::1';

/**
 * Console command templates of the virtual boards, by capability (rig `console.commands`);
 * `{args}` is the step's argument text (`console: clock-set +2h` → `date offset +2h`).
 */
export const BOARD_CONSOLE_COMMANDS: Readonly<Record<string, string>> = {
  'clock-set': 'date offset {args}',
  'clock-adjust': 'date adjust {args}',
  'clock-read': 'date',
  'demo-mode': 'demo {on|off}',
  'show-config': 'show config',
  'set-config': 'set config {args}',
  'flash-corrupt': 'flash corrupt',
  'flash-restore': 'flash restore',
  'cert-swap': 'cert install {args}',
  'cert-damage': 'cert damage',
  'cert-show': 'cert show',
  stats: 'stats',
  reboot: 'reboot',
};

export interface VirtualRigDescription {
  /** Serial path of the dongle (a symlink to the pty in runDir). */
  dongle: string;
  /** Console pty path per meter that has a console. */
  consoles: Record<string, string>;
  /** Power control socket per meter that has power control. */
  powerSockets: Record<string, string>;
}

export interface VirtualRigOptions {
  /** Use this instead of parsing `rig.virtual`. */
  config?: VirtualConfig;
  /**
   * Trouble the simulation survives but a person should hear of, one line each: a meter's flash
   * kept in memory because the host's disk refused a write. Said once per meter.
   */
  onWarning?: (line: string) => void;
  /**
   * Keep the boards between runs in the rig's state folder (state/state-folder.ts), when the rig
   * keeps state (`virtual.persist`, by default when the rig has a `session.start`): 'resume'
   * starts each meter from it and saves it at stop; 'cold' deletes it first (`--cold`), boots
   * every meter unregistered (also those the rig file starts registered) and saves at stop.
   * Absent: every meter starts as its rig file says and nothing is saved.
   */
  persistence?: 'resume' | 'cold';
  /** What the run log should say of the rig's start: each meter resumed or started cold, and why. */
  onNotice?: (line: string) => void;
}

export class VirtualRig {
  private stopped = false;
  /** Every meter booted: only such a rig's boards are worth saving. */
  private started = false;

  private constructor(
    readonly config: VirtualConfig,
    readonly clock: TimeScale,
    readonly dongle: VirtualDongle,
    private readonly pty: PtyPair,
    /** The simulated boards. For the rig's own tests and `hil sim` diagnostics: the harness drives meters only through console, power and radio. */
    readonly meters: ReadonlyMap<string, VirtualMeter>,
    readonly runDir: string,
    /** Where stop() saves the boards, with the NMS key they trust; undefined: nothing is saved. */
    private readonly keep: { folder: string; nmsKey: string; held: HeldLeases; warn: (line: string) => void; notice: (line: string) => void } | undefined,
  ) {}

  /** Whether the boards are saved at stop (and were looked for at start). */
  get stateFolder(): string | undefined {
    return this.keep?.folder;
  }

  static async start(rig: Rig, runDir: string, opts: VirtualRigOptions = {}): Promise<VirtualRig> {
    const parsed = opts.config ?? parseVirtualSection(rig);
    // Cold forgets every earlier run, the one the rig file pretends too (startRegistered): each meter boots and registers.
    const config = opts.persistence === 'cold' ? { ...parsed, meters: parsed.meters.map(({ initial: { registered: _, ...initial }, ...m }) => ({ ...m, initial })) } : parsed;
    await mkdir(runDir, { recursive: true });
    const nmsCertPem = await readNmsCert(rig.nms.signing.cert);
    const clock = new TimeScale(config.timeScale, config.epochMs ?? Date.now());
    const rng = new SeededRng(config.seed);
    const pty = await PtyPair.open({ link: join(runDir, config.dongle.link) });
    const dongle = new VirtualDongle({ baudRate: config.dongle.baudRate, timeScale: config.timeScale, rng: rng.fork("dongle"), write: (b) => pty.write(b), maxFrame: config.dongle.maxFrame });
    pty.on('data', (b: Buffer) => dongle.input(b));

    const meters = new Map<string, VirtualMeter>();
    const nmsKey = nmsKeyFingerprint(nmsCertPem);
    let folder = opts.persistence && config.persist ? stateFolder(rig) : undefined;
    const claim = folder ? await claimStateFolder(folder) : undefined;
    if (claim && 'why' in claim) {
      opts.onWarning?.(`virtual rig: the boards kept in ${folder} are another run's (${claim.why}); this run starts every meter as the rig file says and keeps nothing`);
      folder = undefined;
    }
    if (folder && opts.persistence === 'cold') clearStateFolder(folder);
    const saved = new Map<string, SavedMeter>(config.meters.map((m) => [m.name, folder && opts.persistence === 'resume' ? loadMeter(folder, m, nmsKey) : { kind: 'none' }]));
    for (const [name, s] of saved) {
      if (s.kind === 'cold') opts.onWarning?.(`virtual rig: ${name} starts cold: ${s.why}`);
      if (s.kind === 'resume') opts.onNotice?.(`virtual rig: ${name} resumed from ${s.file}: ${describeSaved(s.state)}`);
    }
    if (folder && opts.persistence === 'cold') opts.onNotice?.(`virtual rig: cold start: the boards kept in ${folder} are forgotten; every meter boots and registers`);
    const keep = folder && claim && 'held' in claim ? { folder, nmsKey, held: claim.held, warn: opts.onWarning ?? (() => undefined), notice: opts.onNotice ?? (() => undefined) } : undefined;
    const sim = new VirtualRig(config, clock, dongle, pty, meters, runDir, keep);
    const warned = new Set<string>();
    const flashWriteFailed = (meter: string) => (file: string, e: unknown): void => {
      if (warned.has(meter)) return;
      warned.add(meter);
      opts.onWarning?.(`virtual rig: ${meter}: the disk refused a flash write (${file}: ${systemReason(e)}); this meter's flash is kept in memory from now on`);
    };
    try {
      const dagSize = config.meters.length + 1;
      // Boards start in parallel (each spawns its console pty helper); the mesh is joined in rig-file order.
      const started = await Promise.allSettled(
        config.meters.map(async (m, i) => {
          const nms = { address: rig.nms.addresses.find((a) => a.name === m.nms)!.address, port: rig.nms.port };
          let send: (d: Datagram) => void = () => {};
          const s = saved.get(m.name);
          const resume = s?.kind === 'resume' ? { state: s.state, flashDir: s.flashDir } : undefined;
          const meter = await VirtualMeter.start({
            config: m,
            nms,
            dir: join(runDir, 'meters', m.name),
            nmsCertPem,
            clock: clock.boardClock(resume ? resume.state.clockOffsetMs : m.initial.clockSkewMs),
            send: (d) => send(d),
            dagSize,
            portSeed: (config.seed * 7919 + i + 1) >>> 0,
            parentLinkLocal: BORDER_ROUTER_LINK_LOCAL,
            onFlashWriteFailure: flashWriteFailed(m.name),
            ...(resume ? { resume } : {}),
          });
          return { meter, attach: () => (send = dongle.attach({ name: m.name, addresses: [m.address, linkLocalFromEui64(eui64Bytes(m.eui64))], deliver: (d) => meter.deliver(d), lineGarbage: () => meter.lineGarbage() }, m.hop)) };
        }),
      );
      for (const r of started) if (r.status === 'fulfilled') meters.set(r.value.meter.name, r.value.meter);
      const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      for (const r of started) if (r.status === 'fulfilled') r.value.attach();
    } catch (e) {
      await sim.stop();
      throw e;
    }
    for (const m of meters.values()) m.boot();
    sim.started = true;
    return sim;
  }

  describe(): VirtualRigDescription {
    const consoles: Record<string, string> = {};
    const powerSockets: Record<string, string> = {};
    for (const m of this.meters.values()) {
      consoles[m.name] = m.board.consolePath;
      powerSockets[m.name] = m.board.powerSocketPath;
    }
    return { dongle: this.pty.path, consoles, powerSockets };
  }

  /**
   * `rig` with everything that points at the simulation filled in: the dongle link's path and
   * baud rate, and for each device that is a meter here its console (path, prompt, the board's
   * command templates) and power commands.
   */
  resolveRig(rig: Rig): Rig {
    const d = this.describe();
    return {
      ...rig,
      links: rig.links.map((l) => (l.kind === 'slip' && l.name === this.config.dongle.link ? { ...l, path: d.dongle, baudRate: this.config.dongle.baudRate } : l)),
      devices: rig.devices.map((dev) => {
        const meter = this.meters.get(dev.name);
        if (!meter) return dev;
        const console: ConsoleSpec = {
          baudRate: 115200,
          errorPattern: '^Error: ',
          ...dev.console,
          path: meter.board.consolePath,
          prompt: meter.board.prompt,
          commands: { ...BOARD_CONSOLE_COMMANDS, ...(dev.console?.commands ?? {}) },
        };
        // A rig may wire a meter to a relay of its own (a test's relay that does nothing); the `virtual:` placeholders mean the board's socket.
        const own = dev.power && ![dev.power.on, dev.power.off].some((c) => c.startsWith('virtual:')) ? dev.power : undefined;
        const power: PowerSpec = own ?? meter.board.powerCommands();
        return { ...dev, console, power, capabilities: boardCapabilities(dev.capabilities), regIntervalMax: dev.regIntervalMax ?? meter.config.regInterval.max };
      }),
    };
  }

  meter(name: string): VirtualMeter {
    const m = this.meters.get(name);
    if (!m) throw new RangeError(`no virtual meter named '${name}' (meters: ${[...this.meters.keys()].join(', ')})`);
    return m;
  }

  /** Saves every board in the state folder; a board that cannot be saved starts cold next time (said). */
  private save(): void {
    if (!this.keep) return;
    const at = this.clock.now();
    for (const m of this.meters.values()) {
      try {
        const state = m.snapshot(this.keep.nmsKey, at);
        saveMeter(this.keep.folder, m.name, state, m.flash.dir);
        this.keep.notice(`virtual rig: kept ${m.name} in ${join(this.keep.folder, `${m.name}.json`)}: ${describeSaved(state)}`);
      } catch (e) {
        // What an earlier run kept is not this board any more: the next run must not resume it.
        forgetMeter(this.keep.folder, m.name);
        this.keep.warn(`virtual rig: cannot save ${m.name} in ${this.keep.folder} (${systemReason(e)}); it starts cold next run`);
      }
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.started) this.save();
    // A lease file the disk will not let go of dies with this process anyway; stopping must not fail on it.
    await this.keep?.held.release().catch(() => undefined);
    this.dongle.close();
    await Promise.all([...this.meters.values()].map((m) => m.stop()));
    this.clock.clearAll();
    await this.pty.close();
  }
}

/** How a saved meter resumes, for the run log. */
function describeSaved(s: MeterState): string {
  if (!s.powered) return 'powered off';
  if (s.agent === 'crashed') return `powered, agent crashed (${s.crash?.signal ?? '?'}: ${s.crash?.reason ?? '?'}) until a power cycle`;
  if (s.agent !== 'registered' || !s.report) return 'powered, not registered (it registers)';
  const next = s.report.nextInS !== undefined ? `, next report in ${s.report.nextInS} s` : '';
  return `powered, registered (SessionID ${sessionText(s.sessionId)}, report interval ${s.report.intervalS} s${next})`;
}

/** A SessionID as the NMS gave it: quoted text when printable, else hex. */
function sessionText(hex: string | undefined): string {
  if (hex === undefined) return '?';
  const text = Buffer.from(hex, 'hex').toString('latin1');
  return /^[\x20-\x7e]+$/.test(text) ? JSON.stringify(text) : hex;
}

/** A virtual meter's capabilities: those the rig file lists, and what every virtual board offers. */
export function boardCapabilities(listed: readonly string[]): string[] {
  return [...new Set([...listed, ...Object.keys(BOARD_CONSOLE_COMMANDS), 'console', 'power'])];
}

/**
 * The rig as a run will see it once the simulation has started (resolveRig), without starting
 * it: each device that is a virtual meter has the board's capabilities. Planning, `hil list
 * --rig` and `hil run --list` use this, so what they predict is what `hil run` does.
 */
export function plannedVirtualRig(rig: Rig): Rig {
  const meters = new Set(parseVirtualSection(rig).meters.map((m) => m.name));
  return { ...rig, devices: rig.devices.map((d) => (meters.has(d.name) ? { ...d, capabilities: boardCapabilities(d.capabilities) } : d)) };
}

/** The NMS certificate every meter's flash is programmed with: the file's certificate blocks, never a key beside them. */
async function readNmsCert(certPath: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(certPath, 'utf8');
  } catch (e) {
    throw new ResourceError(certPath, resourceCodeOf(e), `cannot read the NMS certificate to provision the meters (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return nmsCertificateOnly(certPath, text);
}

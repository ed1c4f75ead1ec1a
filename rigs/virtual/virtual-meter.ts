/**
 * One virtual meter: a board (rigs/virtual/board: flash files, clock, power with its control
 * socket, console CLI on a pty) with the CSMP agent running on it. The agent reads flash and
 * clock through the board and registers the board's hooks (power on/off, console reboot,
 * console stats); everything a lab changes goes through the console, the power socket or the
 * radio, never into this object.
 */
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Datagram } from '../../drivers/link/types.js';
import { fromHex, toHex } from '../../core/bytes.js';
import { VirtualBoard } from './board/board.js';
import type { BoardClock } from './board/clock.js';
import { FlashPlatform } from './board/flash-platform.js';
import type { Flash, FlashImage } from './board/flash.js';
import type { BoardHooks } from './board/hooks.js';
import type { MeterConfig } from './config.js';
import { MeterAgent, RegReason, type ResumeRegistered } from './meter/agent.js';
import { AgentCrash } from './meter/device-time.js';
import { FaultSet } from './meter/faults.js';
import type { MeterIdentity, MeterSettings } from './meter/platform.js';
import type { MeterState } from './state/meter-state.js';

export interface VirtualMeterOptions {
  config: MeterConfig;
  /** The NMS the factory configured (written to flash; the default when flash cannot say). */
  nms: { address: string; port: number };
  /** The board's folder in the run folder. */
  dir: string;
  nmsCertPem: string;
  clock: BoardClock;
  send: (d: Datagram) => void;
  dagSize: number;
  portSeed: number;
  parentLinkLocal: string;
  /** The host's disk refused a write to this board's flash (kept in memory from then on). */
  onFlashWriteFailure?: (file: string, error: unknown) => void;
  /** The board as an earlier run left it (rigs/virtual/state): its flash folder and RAM. */
  resume?: { state: MeterState; flashDir: string };
}

/** The board's flash view plus the NMS address the configuration document holds. */
class MeterFlashPlatform extends FlashPlatform {
  override settings(): MeterSettings {
    const s = super.settings();
    const c = this.flash.read().config;
    if (c.nmsAddress !== undefined) s.nmsAddress = c.nmsAddress;
    if (c.nmsPort !== undefined) s.nmsPort = c.nmsPort;
    return s;
  }
}

export class VirtualMeter {
  readonly name: string;
  readonly config: MeterConfig;
  readonly agent: MeterAgent;

  private constructor(
    readonly board: VirtualBoard,
    config: MeterConfig,
    agent: MeterAgent,
    private readonly resume: MeterState | undefined,
  ) {
    this.name = config.name;
    this.config = config;
    this.agent = agent;
  }

  static async start(o: VirtualMeterOptions): Promise<VirtualMeter> {
    const c = o.config;
    if (o.resume) {
      // The flash this board had when the earlier run stopped, in place of the factory image.
      rmSync(join(o.dir, 'flash'), { recursive: true, force: true });
      cpSync(o.resume.flashDir, join(o.dir, 'flash'), { recursive: true });
    }
    const board = await VirtualBoard.start({
      name: c.name,
      eui64: c.eui64,
      dir: o.dir,
      image: flashImage(c, o.nms, o.nmsCertPem),
      reformat: !o.resume,
      clock: o.clock,
      poweredOn: o.resume ? o.resume.state.powered : c.initial.poweredOn,
      stickyDemoMode: c.faults.includes('demo-mode-sticky'),
      ...(o.onFlashWriteFailure ? { onFlashWriteFailure: o.onFlashWriteFailure } : {}),
    });
    if (!o.resume && c.initial.certDamaged) board.flash.damageCert();
    if (!o.resume && c.initial.flashCorrupted) board.flash.corrupt();
    const identity: MeterIdentity = {
      name: c.name,
      eui64: c.eui64,
      address: c.address,
      serverPort: c.port,
      clientPort: c.clientPort,
      nms: o.nms,
      regInterval: c.regInterval,
      signatures: c.signatures,
      hardware: c.hardware,
      parentLinkLocal: o.parentLinkLocal,
      slotSize: c.slotSize,
    };
    const agent = new MeterAgent({
      identity,
      platform: new MeterFlashPlatform(board.flash, board.clock),
      time: board.clock,
      send: o.send,
      faults: new FaultSet(c.faults, c.faultOptions),
      dagSize: o.dagSize,
      portSeed: o.portSeed,
    });
    board.setHooks(agentOnBoard(agent));
    agent.on('hang', () => board.hang());
    return new VirtualMeter(board, c, agent, o.resume?.state);
  }

  get flash(): Flash {
    return this.board.flash;
  }

  get clock(): BoardClock {
    return this.board.clock;
  }

  get powered(): boolean {
    return this.board.power.isOn;
  }

  /** Starts the agent if the board came up powered (the board calls onPowerOn only on a change). */
  boot(): void {
    if (!this.board.power.isOn || this.agent.state !== 'off') return;
    const saved = this.resume;
    if (saved?.agent === 'crashed' && saved.crash) return this.agent.resumeCrashed(new AgentCrash(saved.crash.signal, saved.crash.reason));
    // Only the rig's first start finds it registered; a power cycle later is a cold start.
    this.agent.boot(RegReason.coldStart, saved ? resumeOf(saved) : this.config.initial.registered);
  }

  /** The board's power and RAM now, for the state folder; `nmsKey` is the rig's NMS key fingerprint. */
  snapshot(nmsKey: string, savedAt: number): MeterState {
    const a = this.agent.snapshot();
    const c = this.config;
    const state: MeterState = {
      savedAt,
      meter: { eui64: c.eui64, address: c.address, faults: [...c.faults], faultOptions: { ...c.faultOptions } as Record<string, number> },
      nmsKey,
      powered: this.board.power.isOn,
      agent: a.state,
      clockOffsetMs: this.board.clock.offsetSeconds * 1000,
    };
    if (a.crash) state.crash = { signal: a.crash.signal, reason: a.crash.reason };
    if (a.state !== 'registered') return state;
    if (a.sessionId) state.sessionId = toHex(a.sessionId);
    state.report = { intervalS: a.report.interval, ids: a.report.ids, ...(a.nextReportInS !== undefined ? { nextInS: a.nextReportInS } : {}) };
    state.signatureSettings = {};
    for (const [k, v] of Object.entries(a.signatureSettings)) state.signatureSettings[k] = typeof v === 'boolean' ? v : { hex: toHex(v) };
    return state;
  }

  /** A datagram from the mesh: only a powered board hears it. */
  deliver(d: Datagram): void {
    if (this.board.power.isOn) this.agent.receive(d);
  }

  /** Bytes on the dongle's serial line that were no SLIP-framed IPv6 packet. */
  lineGarbage(): void {
    if (this.board.power.isOn) this.agent.lineGarbage();
  }

  async stop(): Promise<void> {
    this.agent.close();
    await this.board.stop();
  }
}

/** The agent's resume from a saved registered state; undefined for any other (it boots and registers). */
function resumeOf(s: MeterState): ResumeRegistered | undefined {
  if (s.agent !== 'registered' || s.sessionId === undefined || s.report === undefined) return undefined;
  const signatureSettings: Record<string, boolean | Uint8Array> = {};
  for (const [k, v] of Object.entries(s.signatureSettings ?? {})) signatureSettings[k] = typeof v === 'boolean' ? v : (fromHex(v.hex) ?? new Uint8Array(0));
  return {
    sessionId: Buffer.from(fromHex(s.sessionId) ?? []).toString('latin1'),
    reportIntervalS: s.report.intervalS,
    reportIds: s.report.ids,
    ...(s.report.nextInS !== undefined ? { nextReportInS: s.report.nextInS } : {}),
    signatureSettings,
  };
}

/** How the board drives the agent running on it: power boots and stops it, the console reboots it and asks its stats. */
export function agentOnBoard(agent: MeterAgent): BoardHooks {
  return {
    onPowerOn: () => agent.boot(RegReason.coldStart),
    onPowerOff: () => agent.shutdown(),
    onReboot: () => agent.reboot(RegReason.administrative),
    statsProvider: () => ({
      state: agent.crash ? `crashed (${agent.crash.message})` : agent.state,
      ...agent.stats,
      clientPort: agent.clientPort,
    }),
  };
}

/** What the factory programs: DevCfgSchema fields, the NMS certificate, the firmware slots. */
export function flashImage(c: MeterConfig, nms: { address: string; port: number }, nmsCertPem: string): FlashImage {
  const ini = c.initial;
  return {
    config: {
      demoMode: ini.demoMode,
      ssid: ini.ssid,
      panId: ini.panId,
      txPower: ini.txPower,
      nmsAddress: nms.address,
      nmsPort: nms.port,
      ...(ini.groups.firmware !== undefined ? { firmwareGroup: ini.groups.firmware } : {}),
      ...(ini.groups.config !== undefined ? { configGroup: ini.groups.config } : {}),
    },
    nmsCertPem,
    firmware: ini.firmware,
  };
}

/**
 * One virtual meter: a board (rigs/virtual/board: flash files, clock, power with its control
 * socket, console CLI on a pty) with the CSMP agent running on it. The agent reads flash and
 * clock through the board and registers the board's hooks (power on/off, console reboot,
 * console stats); everything a lab changes goes through the console, the power socket or the
 * radio, never into this object.
 */
import type { Datagram } from '../../drivers/link/types.js';
import { VirtualBoard } from './board/board.js';
import type { BoardClock } from './board/clock.js';
import { FlashPlatform } from './board/flash-platform.js';
import type { Flash, FlashImage } from './board/flash.js';
import type { BoardHooks } from './board/hooks.js';
import type { MeterConfig } from './config.js';
import { MeterAgent, RegReason } from './meter/agent.js';
import { FaultSet } from './meter/faults.js';
import type { MeterIdentity, MeterSettings } from './meter/platform.js';

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
  ) {
    this.name = config.name;
    this.config = config;
    this.agent = agent;
  }

  static async start(o: VirtualMeterOptions): Promise<VirtualMeter> {
    const c = o.config;
    const board = await VirtualBoard.start({
      name: c.name,
      eui64: c.eui64,
      dir: o.dir,
      image: flashImage(c, o.nms, o.nmsCertPem),
      reformat: true,
      clock: o.clock,
      poweredOn: c.initial.poweredOn,
      stickyDemoMode: c.faults.includes('demo-mode-sticky'),
      ...(o.onFlashWriteFailure ? { onFlashWriteFailure: o.onFlashWriteFailure } : {}),
    });
    if (c.initial.certDamaged) board.flash.damageCert();
    if (c.initial.flashCorrupted) board.flash.corrupt();
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
    return new VirtualMeter(board, c, agent);
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
    // Only the rig's first start finds it registered; a power cycle later is a cold start.
    this.agent.boot(RegReason.coldStart, this.config.initial.registered);
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

/**
 * A bench as the steps drive it: the NMS the harness plays, its time line, the per-device
 * firewall and request addresses, the raw links (for injected frames), and each board's console
 * and power. The app (harness/app) assembles one from a rig file; tests assemble one in memory.
 *
 * Time: `clock` is the NMS's clock, the rig's time line (scaled on the virtual rig). Suite
 * durations (`within`, `wait`) are measured on it; limits that protect the run (a GET that never
 * comes back) are real time and converted with `toClockMs`.
 *
 * The journal records, per device, what the current test changed on the NMS side and the power
 * state, so the session can put it back whatever the test's outcome.
 */
import type { DeviceSpec, Rig } from '../config/rig.js';
import type { Link } from '../../drivers/link/types.js';
import type { Clock } from '../../core/clock.js';
import type { Firewall } from '../nms/firewall.js';
import type { Nms } from '../nms/nms.js';
import type { DeviceConsole, DevicePower } from './device-control.js';
import type { FrameLog } from './frame-log.js';
import { RequestSources } from './request-sources.js';

export interface BenchInit {
  rig: Rig;
  nms: Nms;
  /** The NMS's clock. */
  clock: Clock;
  /** Clock milliseconds per real millisecond: the virtual rig's timeScale, 1 on hardware. */
  timeScale: number;
  /** Raw links by name, for `inject`. */
  links?: ReadonlyMap<string, Link>;
  frames?: FrameLog;
  consoles?: ReadonlyMap<string, DeviceConsole>;
  powers?: ReadonlyMap<string, DevicePower>;
  /** Why a device must not be tested (another device answered in its place after a reconnect). */
  refusal?: (device: string) => string | undefined;
}

export interface Journal {
  /** The test switched the device off and did not switch it on again. */
  poweredOff: boolean;
  firewall: boolean;
  replyFrom: boolean;
  /** The test took the device out of the NMS inventory. */
  outOfInventory: boolean;
  /** Console commands the test ran, in order. */
  console: string[];
  /** The test itself power-cycled or restarted the device: a fresh boot is its own doing, not a crash. */
  newBoot?: boolean;
}

/** Restarts remembered per device: more than a reboot-loop window holds on any bench. */
const MAX_RESTARTS = 200;

export class Bench {
  readonly rig: Rig;
  readonly nms: Nms;
  readonly clock: Clock;
  readonly timeScale: number;
  readonly sources: RequestSources;
  readonly frames: FrameLog | undefined;
  private readonly links: ReadonlyMap<string, Link>;
  private readonly consoles: ReadonlyMap<string, DeviceConsole>;
  private readonly powers: ReadonlyMap<string, DevicePower>;
  private readonly journals = new Map<string, Journal>();
  private readonly restarts = new Map<string, number[]>();
  private readonly refusalOf: (device: string) => string | undefined;
  /**
   * Per link, what was found sharing its port when the run began (another process holding the
   * device node): said in every "no answer" failure on that link, where a stolen frame shows.
   */
  readonly sharedPorts = new Map<string, string>();

  /** The NMS host firewall; the steps set per-device rules so parallel tests do not meet. */
  get firewall(): Firewall {
    return this.nms.firewall;
  }

  constructor(init: BenchInit) {
    if (!(init.timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${init.timeScale}`);
    this.rig = init.rig;
    this.nms = init.nms;
    this.clock = init.clock;
    this.timeScale = init.timeScale;
    this.sources = new RequestSources(init.nms);
    this.frames = init.frames;
    this.links = init.links ?? new Map();
    this.consoles = init.consoles ?? new Map();
    this.powers = init.powers ?? new Map();
    this.refusalOf = init.refusal ?? (() => undefined);
  }

  /** Why `device` is refused for testing, if it is (BenchSession then runs none of its tests). */
  refusal(device: string): string | undefined {
    return this.refusalOf(device);
  }

  device(name: string): DeviceSpec {
    const d = this.rig.devices.find((x) => x.name === name);
    if (!d) throw new RangeError(`rig ${this.rig.name} has no device '${name}' (devices: ${this.rig.devices.map((x) => x.name).join(', ')})`);
    return d;
  }

  console(device: string): DeviceConsole | undefined {
    return this.consoles.get(device);
  }

  power(device: string): DevicePower | undefined {
    const p = this.powers.get(device);
    if (!p) return undefined;
    return {
      switch: async (op, opts) => {
        if (op !== 'off') this.noteRestart(device);
        await p.switch(op, opts);
      },
    };
  }

  /**
   * The harness asked `device` to restart (power on or cycle, a console reboot, a LoadRequest):
   * the boot that follows is its doing, not a reboot loop (diagnosis/reboot-loop.ts).
   */
  noteRestart(device: string): number {
    const at = this.clock.now();
    const list = this.restarts.get(device) ?? [];
    list.push(at);
    if (list.length > MAX_RESTARTS) list.shift();
    this.restarts.set(device, list);
    return at;
  }

  /** The restart noted at `at` was not asked after all (the device refused the request). */
  withdrawRestart(device: string, at: number): void {
    const list = this.restarts.get(device);
    const i = list?.lastIndexOf(at) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  }

  /** Clock ms of the restarts the harness asked of `device`, oldest first. */
  restartsOf(device: string): readonly number[] {
    return this.restarts.get(device) ?? [];
  }

  link(name: string): Link | undefined {
    return this.links.get(name);
  }

  journal(device: string): Journal {
    let j = this.journals.get(device);
    if (!j) {
      j = { poweredOff: false, firewall: false, replyFrom: false, outOfInventory: false, console: [] };
      this.journals.set(device, j);
    }
    return j;
  }

  toClockMs(realMs: number): number {
    return Math.max(1, Math.round(realMs * this.timeScale));
  }

  toRealMs(clockMs: number): number {
    return clockMs / this.timeScale;
  }

  /** Lets `ms` of clock time pass; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        this.clock.clearTimeout(timer);
        reject(signal!.reason);
      };
      const timer = this.clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

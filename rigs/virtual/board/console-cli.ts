/**
 * The board's serial console: a line-oriented CLI on the device side of a pty, the way a meter's
 * debug UART looks to a lab. Raw line, no echo. CR, LF and CR LF each end a line. Every answer
 * ends with the prompt `meter-<eui64>> `; failures start with `Error: ` so the rig's error
 * pattern catches them. While the board is off it reads nothing and says nothing.
 *
 * It changes the board only through its parts (flash, clock, power) and tells the agent through
 * the hooks. It never prints key material: `cert show` prints the fingerprint, subject and dates.
 */
import { DropCounter } from '../../../core/drop-counter.js';
import { parseOffsetSeconds, type BoardClock } from './clock.js';
import { ConfigValueError, DEV_CFG_FIELDS } from './dev-cfg.js';
import type { Flash } from './flash.js';
import type { BoardHooks, FlashChange, StatsSnapshot } from './hooks.js';
import { hasPemFraming } from './nms-cert.js';
import type { BoardPower } from './power.js';

/** The device side of the console line (PtyPair fits). */
export interface BoardSerial {
  write(bytes: Uint8Array): void;
  on(event: 'data', listener: (b: Buffer) => void): unknown;
  off(event: 'data', listener: (b: Buffer) => void): unknown;
}

export interface BoardConsoleCliOptions {
  eui64: string;
  serial: BoardSerial;
  flash: Flash;
  clock: BoardClock;
  power: BoardPower;
  hooks: () => BoardHooks;
  /** Longest input line; longer input is dropped up to the next line end. Default 8192 (a base64 certificate fits). */
  maxLineLength?: number;
  drops?: DropCounter;
  /** Fault model demo-mode-sticky: 'demo off' reports success but leaves flash as it was. */
  stickyDemoMode?: boolean;
}

const HELP = [
  'help                              this list',
  'show config                       print the DevCfgSchema configuration (XML)',
  'set config <key> <value>          set a configuration field, e.g. set config WPAN_Cfg/SSID mesh-1',
  'demo on|off                       DemoMode_Cfg/DemoModeEnable',
  'date                              device time: epoch seconds and ISO 8601',
  'date set <epoch>                  set the device clock',
  'date offset [<±seconds|±2h>]      show or set the clock offset from true time',
  'date adjust <±seconds|±2h>        move the clock',
  'cert install <base64 PEM>         install an NMS certificate',
  'cert show                         NMS certificate fingerprint, subject, dates, validity',
  'cert damage                       damage the stored NMS certificate file',
  'flash corrupt|restore             erase parts of flash / write the backup image back',
  'stats                             CSMP agent statistics',
  'reboot                            restart the firmware',
];

const CRLF = '\r\n';

export class BoardConsoleCli {
  readonly prompt: string;
  readonly drops: DropCounter;
  private readonly maxLine: number;
  private line = '';
  private overflowing = false;
  private lastWasCR = false;
  private queue: string[] = [];
  private busy = false;
  private closed = false;
  /** The board hung (a fault model): input is swallowed, no prompt, until the power goes off. */
  private hung = false;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly onData = (b: Buffer) => this.input(b);
  private readonly unsubscribePower: () => void;

  constructor(private readonly o: BoardConsoleCliOptions) {
    this.prompt = `meter-${o.eui64}> `;
    this.maxLine = o.maxLineLength ?? 8192;
    this.drops = o.drops ?? new DropCounter();
    o.serial.on('data', this.onData);
    this.unsubscribePower = o.power.onChange((on) => (on ? this.boot() : this.halt()));
  }

  /** Bytes from the harness side. */
  input(bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.o.power.isOn) {
      this.drops.count('input while powered off', bytes.length);
      return;
    }
    if (this.hung) {
      this.drops.count('input while hung', bytes.length);
      return;
    }
    for (const c of this.decoder.decode(bytes, { stream: true })) {
      if (c === '\n' && this.lastWasCR) {
        this.lastWasCR = false;
        continue;
      }
      this.lastWasCR = c === '\r';
      if (c === '\r' || c === '\n') {
        if (!this.overflowing) this.queue.push(this.line);
        this.line = '';
        this.overflowing = false;
        continue;
      }
      if (this.overflowing) {
        this.drops.count('input line too long', 1);
        continue;
      }
      if (this.line.length >= this.maxLine) {
        this.drops.count('input line too long', this.line.length + 1);
        this.line = '';
        this.overflowing = true;
        this.queue.push('\u0000overflow');
        continue;
      }
      this.line += c;
    }
    void this.drain();
  }

  /** The whole board stopped: the console says nothing more until a power cycle. */
  hang(): void {
    this.hung = true;
    this.halt();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.o.serial.off('data', this.onData);
    this.unsubscribePower();
  }

  private boot(): void {
    this.say(`${CRLF}meter-${this.o.eui64} booting${CRLF}${this.prompt}`);
  }

  private halt(): void {
    if (!this.o.power.isOn) this.hung = false;
    this.queue = [];
    this.line = '';
    this.overflowing = false;
    this.lastWasCR = false;
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length && !this.closed && this.o.power.isOn && !this.hung) {
        const line = this.queue.shift()!;
        const answer = line === '\u0000overflow' ? `Error: line longer than ${this.maxLine} characters` : await this.execute(line.trim());
        // Power may have gone off while a hook ran: an off board says nothing.
        if (!this.o.power.isOn || this.closed || this.hung) break;
        if (answer === REBOOTED) continue;
        this.say(answer.length ? `${answer.replace(/\r?\n/g, CRLF)}${CRLF}${this.prompt}` : this.prompt);
      }
    } finally {
      this.busy = false;
    }
  }

  private async execute(line: string): Promise<string> {
    if (line === '') return '';
    const [cmd = '', ...rest] = line.split(/\s+/);
    const args = rest;
    try {
      switch (cmd) {
        case 'help':
          return HELP.join('\n');
        case 'show':
          if (args.join(' ') === 'config') return this.showConfig();
          return usage('show config');
        case 'set':
          return this.setConfig(line, args);
        case 'demo':
          return this.demo(args);
        case 'date':
          return this.date(args);
        case 'cert':
          return this.cert(args);
        case 'flash':
          return this.flashCmd(args);
        case 'stats':
          return await this.stats();
        case 'reboot':
          if (args.length) return usage('reboot');
          return this.reboot();
        default:
          return `Error: unknown command '${line}'`;
      }
    } catch (e) {
      if (e instanceof ConfigValueError) return `Error: ${e.message}`;
      return `Error: ${cmd} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  private showConfig(): string {
    const xml = this.o.flash.read().configXml;
    return xml === undefined ? 'Error: configuration unreadable' : xml.replace(/\n$/, '');
  }

  private setConfig(line: string, args: string[]): string {
    if (args[0] !== 'config' || args.length < 3) return usage('set config <key> <value>');
    // The value is the rest of the line: an SSID may hold spaces.
    const m = /^set\s+config\s+(\S+)\s+(.+)$/.exec(line)!;
    const r = this.o.flash.setConfigValue(m[1]!, m[2]!.trim());
    this.changed({ kind: 'config', field: r.field, path: r.path, value: r.value! });
    return `${r.path} = ${r.value}`;
  }

  private demo(args: string[]): string {
    if (args.length !== 1 || (args[0] !== 'on' && args[0] !== 'off')) return usage('demo on|off');
    const on = args[0] === 'on';
    if (on || !this.o.stickyDemoMode) this.o.flash.setDemoMode(on);
    this.changed({ kind: 'config', field: 'demoMode', path: DEV_CFG_FIELDS.demoMode.path, value: on });
    return `${DEV_CFG_FIELDS.demoMode.path} = ${on}`;
  }

  private date(args: string[]): string {
    const clock = this.o.clock;
    const [sub, value, ...extra] = args;
    if (extra.length) return usage('date [set <epoch> | offset [<±seconds|±2h>] | adjust <±seconds|±2h>]');
    if (sub === undefined) return this.dateLine();
    if (sub === 'set') {
      if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return usage('date set <epoch seconds>');
      clock.set(Number(value) * 1000);
      return this.dateLine();
    }
    if (sub === 'offset' || sub === 'adjust') {
      if (value === undefined && sub === 'offset') return `offset ${signed(clock.offsetSeconds)} s`;
      const s = value === undefined ? undefined : parseOffsetSeconds(value);
      if (s === undefined) return usage(`date ${sub} <±seconds|±2h>`);
      if (sub === 'offset') clock.offsetSeconds = s;
      else clock.adjust(s);
      return `offset ${signed(clock.offsetSeconds)} s`;
    }
    return usage('date [set <epoch> | offset [<±seconds|±2h>] | adjust <±seconds|±2h>]');
  }

  private dateLine(): string {
    let ms: number;
    try {
      ms = this.o.clock.now();
    } catch {
      return 'Error: cannot read clock';
    }
    const s = Math.floor(ms / 1000);
    return `${s} ${new Date(s * 1000).toISOString().replace('.000Z', 'Z')}`;
  }

  private cert(args: string[]): string {
    const [sub, arg, ...extra] = args;
    if (sub === 'install' && arg !== undefined && !extra.length) {
      const pem = decodeBase64Pem(arg);
      if (pem === undefined) return 'Error: cert install expects a base64-encoded PEM certificate';
      const info = this.o.flash.installCert(pem);
      this.changed({ kind: 'cert', action: 'install' });
      return info ? `NMS certificate installed, fingerprint SHA256:${info.fingerprint}` : 'NMS certificate installed (it does not parse as a P-256 certificate)';
    }
    if (sub === 'show' && arg === undefined) {
      const r = this.o.flash.read();
      if (r.nmsCertValid === undefined) return 'Error: no readable NMS certificate';
      if (!r.nmsCert) return 'fingerprint unavailable\nvalid false';
      return [
        `fingerprint SHA256:${r.nmsCert.fingerprint}`,
        `subject ${r.nmsCert.subject}`,
        `not before ${r.nmsCert.notBefore.toISOString()}`,
        `not after ${r.nmsCert.notAfter.toISOString()}`,
        `valid ${r.nmsCertValid}`,
      ].join('\n');
    }
    if (sub === 'damage' && arg === undefined) {
      this.o.flash.damageCert();
      this.changed({ kind: 'cert', action: 'damage' });
      return 'NMS certificate damaged';
    }
    return usage('cert install <base64 PEM> | cert show | cert damage');
  }

  private flashCmd(args: string[]): string {
    if (args.length === 1 && args[0] === 'corrupt') {
      this.o.flash.corrupt();
      this.changed({ kind: 'flash', action: 'corrupt' });
      return 'flash corrupted';
    }
    if (args.length === 1 && args[0] === 'restore') {
      this.o.flash.restore();
      this.changed({ kind: 'flash', action: 'restore' });
      return 'flash restored';
    }
    return usage('flash corrupt|restore');
  }

  private async stats(): Promise<string> {
    const provider = this.o.hooks().statsProvider;
    if (!provider) return 'Error: stats not available (no agent running)';
    return formatStats(await provider());
  }

  private reboot(): typeof REBOOTED {
    this.say(`rebooting${CRLF}`);
    this.o.hooks().onReboot?.();
    this.boot();
    return REBOOTED;
  }

  private changed(change: FlashChange): void {
    this.o.hooks().onConfigChanged?.(change);
  }

  private say(text: string): void {
    if (!this.closed && this.o.power.isOn) this.o.serial.write(new TextEncoder().encode(text));
  }
}

/** Marks an answer already written (reboot prints its own banner and prompt). */
const REBOOTED = '\u0000rebooted';

function usage(text: string): string {
  return `Error: usage: ${text}`;
}

function signed(n: number): string {
  return n >= 0 ? `+${n}` : String(n);
}

function decodeBase64Pem(arg: string): string | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(arg)) return undefined;
  const text = Buffer.from(arg, 'base64').toString('utf8');
  return hasPemFraming(text) ? text : undefined;
}

function formatStats(s: StatsSnapshot): string {
  if (typeof s === 'string') return s.replace(/\n$/, '');
  return Object.entries(s)
    .map(([k, v]) => `${k} ${String(v)}`)
    .join('\n');
}

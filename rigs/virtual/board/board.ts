/**
 * One virtual meter board, device side: flash files, clock, power with its control socket, and
 * the console CLI on a real pty. Everything lives in the board's folder of the run folder:
 *
 *   <dir>/flash/…      flash.ts
 *   <dir>/console      symlink to the console pty (what the rig's console.path points at)
 *   <dir>/power.sock   power control socket (what the rig's power commands talk to)
 *
 * The CSMP agent runs on top: it registers hooks (setHooks) and reads flash and clock through
 * `platform` and `clock`. Independent of the radio side.
 *
 *   const b = await VirtualBoard.start({ name: 'meter-1', eui64: '00173bfffe000001', dir, image });
 *   b.setHooks({ onPowerOn: () => agent.boot(), onPowerOff: () => agent.shutdown(), … });
 *   rig console: { path: b.consolePath, prompt: b.prompt }; rig power: b.powerCommands()
 *   await b.stop();
 */
import { join } from 'node:path';
import type { PowerSpec } from '../../../harness/config/rig.js';
import { PtyPair } from '../pty/pty-pair.js';
import { BoardClock, type BoardClockOptions } from './clock.js';
import { BoardConsoleCli } from './console-cli.js';
import { Flash, type FlashImage } from './flash.js';
import { FlashPlatform } from './flash-platform.js';
import type { BoardHooks } from './hooks.js';
import { BoardPower } from './power.js';
import { virtualPowerCommands } from './power-commands.js';
import { PowerSocket } from './power-socket.js';

export interface VirtualBoardOptions {
  name: string;
  /** 16 hex digits. */
  eui64: string;
  /** The board's folder in the run folder. */
  dir: string;
  /** Programmed when the folder holds no flash yet (or always, with `reformat`). */
  image: FlashImage;
  reformat?: boolean;
  clock?: BoardClock | BoardClockOptions;
  poweredOn?: boolean;
  /** Fault model demo-mode-sticky: the console's 'demo off' never reaches flash. */
  stickyDemoMode?: boolean;
  /** The host's disk refused a flash write; the board keeps that file in memory (flash.ts). */
  onFlashWriteFailure?: (file: string, error: unknown) => void;
}

export class VirtualBoard {
  private hooks: BoardHooks = {};
  private stopped = false;
  readonly platform: FlashPlatform;

  private constructor(
    readonly name: string,
    readonly eui64: string,
    readonly flash: Flash,
    readonly clock: BoardClock,
    readonly power: BoardPower,
    readonly cli: BoardConsoleCli,
    private readonly pty: PtyPair,
    private readonly socket: PowerSocket,
  ) {
    this.platform = new FlashPlatform(flash, clock);
  }

  static async start(o: VirtualBoardOptions): Promise<VirtualBoard> {
    const eui64 = o.eui64.toLowerCase().replace(/[:-]/g, '');
    if (!/^[0-9a-f]{16}$/.test(eui64)) throw new TypeError(`board ${o.name}: "eui64" must be 16 hex digits, got '${o.eui64}'`);
    const flashDir = join(o.dir, 'flash');
    let flash: Flash;
    const flashOptions = o.onFlashWriteFailure ? { onWriteFailure: o.onFlashWriteFailure } : {};
    if (o.reformat) flash = Flash.format(flashDir, o.image, flashOptions);
    else {
      try {
        flash = Flash.open(flashDir, flashOptions);
      } catch {
        flash = Flash.format(flashDir, o.image, flashOptions);
      }
    }
    const clock = o.clock instanceof BoardClock ? o.clock : new BoardClock(o.clock);
    let board: VirtualBoard | undefined;
    const hooks = () => board?.hooks ?? {};
    const power = new BoardPower(o.poweredOn ?? true, hooks);
    const pty = await PtyPair.open({ link: join(o.dir, 'console') });
    let socket: PowerSocket;
    try {
      socket = await PowerSocket.listen(join(o.dir, 'power.sock'), power);
    } catch (e) {
      await pty.close();
      throw e;
    }
    const cli = new BoardConsoleCli({ eui64, serial: pty, flash, clock, power, hooks, stickyDemoMode: o.stickyDemoMode });
    board = new VirtualBoard(o.name, eui64, flash, clock, power, cli, pty, socket);
    return board;
  }

  get prompt(): string {
    return this.cli.prompt;
  }

  /** What the rig's console.path should be. */
  get consolePath(): string {
    return this.pty.path;
  }

  get powerSocketPath(): string {
    return this.socket.path;
  }

  /** The rig's power section for this board. */
  powerCommands(timeoutMs?: number): PowerSpec {
    return virtualPowerCommands(this.socket.path, timeoutMs);
  }

  /** The whole board stopped (a fault model): its console is dead until the power is cycled. */
  hang(): void {
    this.cli.hang();
  }

  /** Registers (or replaces) the agent's hooks; omitted ones stay as they were. */
  setHooks(h: Partial<BoardHooks>): void {
    this.hooks = { ...this.hooks, ...h };
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.cli.close();
    await this.socket.close();
    await this.pty.close();
  }
}

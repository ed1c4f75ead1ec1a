/**
 * A virtual meter's board without ptys or sockets: the real flash (files in a temporary folder),
 * board clock, power and console CLI (rigs/virtual/board), with the real console driver
 * (drivers/console) talking to the CLI over an in-memory line, and the steps' console and power
 * interfaces adapted from them as the app adapts real hardware. Each side of the line hears the
 * other a microtask later, as over a real line.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from '../../../../drivers/console/console.js';
import type { ConsoleConnector } from '../../../../drivers/console/line.js';
import { consoleOptionsFromSpec } from '../../../../harness/app/console-from-rig.js';
import type { DeviceSpec } from '../../../../harness/config/rig.js';
import type { DeviceConsole, DevicePower } from '../../../../harness/steps/device-control.js';
import type { BoardClock } from '../../../../rigs/virtual/board/clock.js';
import { BoardConsoleCli, type BoardSerial } from '../../../../rigs/virtual/board/console-cli.js';
import { Flash, type FlashImage } from '../../../../rigs/virtual/board/flash.js';
import type { BoardHooks } from '../../../../rigs/virtual/board/hooks.js';
import { BoardPower } from '../../../../rigs/virtual/board/power.js';

/** The board's end of the console line: 'data' is what the harness typed, write() what the board prints. */
class MemorySerial extends EventEmitter implements BoardSerial {
  toHarness: (b: Buffer) => void = () => {};

  write(bytes: Uint8Array): void {
    const copy = Buffer.from(bytes);
    queueMicrotask(() => this.toHarness(copy));
  }

  /** A ConsoleConnector whose line ends at this board. */
  connector(): ConsoleConnector {
    return async (_path, _baud, h) => {
      this.toHarness = (b) => h.data(b);
      return {
        write: async (bytes) => {
          const copy = Buffer.from(bytes);
          queueMicrotask(() => this.emit('data', copy));
        },
        close: async () => {
          this.toHarness = () => {};
        },
      };
    };
  }
}

export interface MemoryBoard {
  flash: Flash;
  clock: BoardClock;
  power: BoardPower;
  /** The console as the steps use it; `lines` are the commands run, in order. */
  console: DeviceConsole & { lines: string[] };
  /** Power control as the steps use it; `switched` are the operations asked for, in order. */
  powerControl: DevicePower & { switched: string[] };
  close(): Promise<void>;
}

export interface MemoryBoardOptions {
  device: DeviceSpec;
  image: FlashImage;
  clock: BoardClock;
  hooks: () => BoardHooks;
  stickyDemoMode?: boolean;
}

export async function memoryBoard(o: MemoryBoardOptions): Promise<MemoryBoard> {
  const { device } = o;
  if (!device.console) throw new TypeError(`device ${device.name} has no console in the rig`);
  const dir = mkdtempSync(join(tmpdir(), `csmp-hil-${device.name}-`));
  const flash = Flash.format(join(dir, 'flash'), o.image);
  const power = new BoardPower(true, o.hooks);
  const serial = new MemorySerial();
  const cli = new BoardConsoleCli({ eui64: device.eui64, serial, flash, clock: o.clock, power, hooks: o.hooks, stickyDemoMode: o.stickyDemoMode ?? false });
  const con = await Console.open({ ...consoleOptionsFromSpec(device.name, device.console), connector: serial.connector() });
  const lines: string[] = [];
  const switched: string[] = [];
  return {
    flash,
    clock: o.clock,
    power,
    console: {
      lines,
      async run(command, opts = {}) {
        lines.push(command);
        return (await con.run(command, opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {})).output;
      },
    },
    powerControl: {
      switched,
      async switch(op, opts) {
        switched.push(op);
        if (op !== 'on') power.off();
        if (op === 'cycle') opts?.afterOff?.();
        if (op !== 'off') power.on();
      },
    },
    async close() {
      await con.close();
      cli.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

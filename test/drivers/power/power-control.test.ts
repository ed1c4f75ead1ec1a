import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PowerError } from '../../../drivers/power/errors.js';
import { PowerControl } from '../../../drivers/power/power-control.js';
import { BoardPower } from '../../../rigs/virtual/board/power.js';
import { virtualPowerCommands } from '../../../rigs/virtual/board/power-commands.js';
import { PowerSocket } from '../../../rigs/virtual/board/power-socket.js';
import { expectErrorLike, rejection } from '../../support/errors.js';

/** Whether `pid` has exited (a zombie counts: no PID 1 may reap it in a container) within `ms`. */
async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    let state: string | undefined;
    try {
      state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    } catch {
      return true;
    }
    if (state === 'Z' || state === 'X') return true;
    if (performance.now() > deadline) return false;
    // Signal delivery is asynchronous; poll /proc briefly rather than sleep a fixed time.
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PowerControl (real commands through execa)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-power-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('on/off run their commands and capture output', async () => {
    const p = new PowerControl('meter-1', { on: 'echo relay 3 on', off: 'echo relay 3 off >&2', timeoutMs: 5000 });
    const on = await p.on();
    expect(on.action).toBe('on');
    expect(on.steps.map(({ action, command, exitCode, output }) => ({ action, command, exitCode, output }))).toEqual([
      { action: 'on', command: 'echo relay 3 on', exitCode: 0, output: 'relay 3 on' },
    ]);
    expect((await p.off()).steps[0]!.output).toBe('relay 3 off');
    expect((await new PowerControl('m', { on: 'true', off: 'true', timeoutMs: 5000 }).on()).steps[0]!.exitCode).toBe(0);
  });

  test('`false` → PowerError with the exit code, naming device and command', async () => {
    const p = new PowerControl('meter-1', { on: 'false', off: 'true', timeoutMs: 5000 });
    const err = await p.on().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PowerError);
    const e = err as PowerError;
    expect([e.device, e.action, e.command, e.code, e.exitCode]).toEqual(['meter-1', 'on', 'false', 'exit-code', 1]);
    expect(e.message).toBe("power meter-1: on command 'false' exited with code 1");
    const withOutput = (await new PowerControl('meter-2', { on: 'echo relay busy; exit 3', off: 'true', timeoutMs: 5000 }).on().catch((x: unknown) => x)) as PowerError;
    expect(withOutput.message).toBe(`power meter-2: on command 'echo relay busy; exit 3' exited with code 3; output: "relay busy"`);
  });

  test('`sleep 5` with timeoutMs 200 → PowerError timeout, well before 5 s, and the whole process group dies', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    // The shell starts a grandchild that would keep the output pipe open if only the shell were killed.
    const p = new PowerControl('meter-1', { on: 'sleep 5', off: `sleep 5 & echo $! > ${pidFile}; wait`, timeoutMs: 200 });
    const started = performance.now();
    const err = (await p.on().catch((e: unknown) => e)) as PowerError;
    expect(err).toBeInstanceOf(PowerError);
    expect([err.code, err.command, err.detail.timeoutMs]).toEqual(['timeout', 'sleep 5', 200]);
    const err2 = (await p.off().catch((e: unknown) => e)) as PowerError;
    expect(err2.code).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(3000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await gone(pid, 2000)).toBe(true);
  });

  test('cycle without a cycle command: off, dwell, on; reset without a reset command cycles', async () => {
    const log = join(dir, 'log');
    const dwells: number[] = [];
    const p = new PowerControl('meter-1', { on: `echo on >> ${log}`, off: `echo off >> ${log}`, timeoutMs: 5000, cycleOffMs: 250 }, async (ms) => {
      dwells.push(ms);
    });
    expect((await p.cycle()).steps.map((s) => s.action)).toEqual(['off', 'on']);
    expect((await p.reset()).steps.map((s) => s.action)).toEqual(['off', 'on']);
    expect(readFileSync(log, 'utf8')).toBe('off\non\noff\non\n');
    expect(dwells).toEqual([250, 250]);
    const withCycle = new PowerControl('meter-1', { on: 'true', off: 'true', cycle: `echo cycle >> ${log}`, reset: `echo reset >> ${log}`, timeoutMs: 5000 });
    expect((await withCycle.cycle()).steps.map((s) => s.action)).toEqual(['cycle']);
    expect((await withCycle.reset()).steps.map((s) => s.action)).toEqual(['reset']);
    expect(readFileSync(log, 'utf8')).toBe('off\non\noff\non\ncycle\nreset\n');
  });

  test('a failing off stops a cycle before on', async () => {
    const log = join(dir, 'log');
    const p = new PowerControl('meter-1', { on: `echo on >> ${log}`, off: 'exit 2', timeoutMs: 5000, cycleOffMs: 0 });
    expectErrorLike(await rejection(p.cycle()), PowerError, { device: 'meter-1', action: 'off', code: 'exit-code', exitCode: 2 });
    expect(() => readFileSync(log)).toThrow();
  });

  test('the virtual board: the same execa path through power-cli.mjs and the control socket', async () => {
    const events: string[] = [];
    const board = new BoardPower(true, () => ({ onPowerOn: () => events.push('on'), onPowerOff: () => events.push('off') }));
    const sock = await PowerSocket.listen(join(dir, 'power.sock'), board);
    try {
      const p = new PowerControl('meter-1', { ...virtualPowerCommands(sock.path), cycleOffMs: 0 });
      expect((await p.off()).steps[0]!.output).toBe('ok off');
      expect(board.isOn).toBe(false);
      // The virtual board has no cycle command: off, the offMs dwell, on (so callers can mark "off").
      const marks: boolean[] = [];
      const cycled = await p.cycle({ afterOff: () => marks.push(board.isOn) });
      expect(cycled.steps.map((s) => [s.action, s.output])).toEqual([['off', 'ok off'], ['on', 'ok on']]);
      expect(marks).toEqual([false]);
      expect(events).toEqual(['off', 'on']);
      const gone = new PowerControl('meter-9', virtualPowerCommands(join(dir, 'nothing.sock'), 1000));
      const err = (await gone.on().catch((e: unknown) => e)) as PowerError;
      expect([err.code, err.exitCode]).toEqual(['exit-code', 3]);
      expect(err.output).toMatch(/^power-cli: cannot reach .*nothing\.sock: connect ENOENT/);
    } finally {
      await sock.close();
    }
  });

  test('bad commands fail at construction', () => {
    expect(() => new PowerControl('m', { on: '', off: 'x', timeoutMs: 1 })).toThrow('power m: "on" command is required');
    expect(() => new PowerControl('m', { on: 'x', off: 'x', timeoutMs: 0 })).toThrow('"timeoutMs" must be positive');
  });
});

/**
 * The harness side against a virtual board, end to end over real ptys and sockets: Console on the
 * board's console pty (and through tcp:// as ser2net would export it), PowerControl through the
 * board's control socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from '../../../../drivers/console/console.js';
import { ConsoleCommandError, ConsoleTimeoutError } from '../../../../drivers/console/errors.js';
import { consoleOptionsFromSpec } from '../../../../harness/app/console-from-rig.js';
import { PowerControl } from '../../../../drivers/power/power-control.js';
import { BoardClock } from '../../../../rigs/virtual/board/clock.js';
import { BoardConsoleCli } from '../../../../rigs/virtual/board/console-cli.js';
import { VirtualBoard } from '../../../../rigs/virtual/board/board.js';
import { Flash } from '../../../../rigs/virtual/board/flash.js';
import { BoardPower } from '../../../../rigs/virtual/board/power.js';
import { EUI, image, PROMPT } from './support/board-fixture.js';
import { expectErrorLike, expectResourceRejection } from '../../../support/errors.js';

const BASE = Date.UTC(2024, 4, 27, 20, 0, 0);

describe('Console and PowerControl against a VirtualBoard', () => {
  let dir: string;
  let board: VirtualBoard;
  let console_: Console;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-board-'));
    board = await VirtualBoard.start({ name: 'meter-1', eui64: EUI, dir: join(dir, 'meter-1'), image: image(), clock: { host: { now: () => 0 }, base: BASE } });
    console_ = await Console.open(
      consoleOptionsFromSpec('meter-1', {
        path: board.consolePath,
        baudRate: 115200,
        prompt: board.prompt,
        errorPattern: '^(ERR|Error|Unknown command)',
        commands: { 'clock-set': 'date set {epoch}', 'demo-mode': 'demo {on|off}', 'clock-skew': 'date offset {args}' },
      }),
    );
  });
  afterEach(async () => {
    await console_.close();
    await board.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('command round trips: date, demo mode into the XML, clock skew', async () => {
    expect((await console_.run('date', { timeoutMs: 2000 })).output).toBe('1716840000 2024-05-27T20:00:00Z');
    expect((await console_.runCapability('demo-mode', { args: 'on' })).output).toBe('DemoMode_Cfg/DemoModeEnable = true');
    expect((await console_.run('show config')).output).toMatch(/<DemoMode_Cfg>\n\s*<DemoModeEnable>true<\/DemoModeEnable>/);
    expect(board.flash.read().config.demoMode).toBe(true);
    expect((await console_.runCapability('clock-skew', { args: '+2h' })).output).toBe('offset +7200 s');
    expect(board.clock.now()).toBe(BASE + 7_200_000);
    expect((await console_.runCapability('clock-set', { epoch: 1700000000 })).output).toBe('1700000000 2023-11-14T22:13:20Z');
  });

  test('an error answer → ConsoleCommandError naming board and command', async () => {
    const err = await console_.run('frob', { timeoutMs: 2000 }).catch((e: unknown) => e);
    expectErrorLike(err, ConsoleCommandError, { code: 'command-failed', board: 'meter-1', command: 'frob', errorLine: "Error: unknown command 'frob'" });
    // The console is still in step afterwards.
    expect((await console_.run('date')).output).toBe('1716840000 2024-05-27T20:00:00Z');
  });

  test('board powered off (through its power commands) → ConsoleTimeoutError naming board and command; power on → boot banner', async () => {
    const power = new PowerControl('meter-1', { ...board.powerCommands(), cycleOffMs: 0 });
    await power.off();
    expect(board.power.isOn).toBe(false);
    const err = (await console_.run('date', { timeoutMs: 300 }).catch((e: unknown) => e)) as ConsoleTimeoutError;
    expectErrorLike(err, ConsoleTimeoutError, { code: 'timeout', board: 'meter-1', command: 'date', seen: '' });
    expect(err.message).toBe(`console meter-1: 'date' got no prompt ${JSON.stringify(PROMPT)} within 300 ms; the board sent nothing`);
    // Armed before the action; the prompt after the banner says the board is ready.
    const booted = console_.waitFor(undefined, { timeoutMs: 2000 });
    await power.on();
    expect((await booted).output).toBe(`meter-${EUI} booting\n${PROMPT}`);
    expect((await console_.run('date')).output).toBe('1716840000 2024-05-27T20:00:00Z');
  });

  test('transcript holds the exchange in order, stamped, and renders for reports', async () => {
    const before = Date.now();
    await console_.run('date');
    await console_.run('demo off');
    const t = console_.transcript();
    expect(t[0]).toEqual({ at: expect.any(Number), dir: 'tx', text: 'date\r\n' });
    expect(t.every((e) => e.at >= before && e.at <= Date.now())).toBe(true);
    expect(t.filter((e) => e.dir === 'tx').map((e) => e.text)).toEqual(['date\r\n', 'demo off\r\n']);
    expect(t.map((e) => e.text).join('')).toBe(`date\r\n1716840000 2024-05-27T20:00:00Z\r\n${PROMPT}demo off\r\nDemoMode_Cfg/DemoModeEnable = false\r\n${PROMPT}`);
    const lines = console_.transcriptText().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual([
      '> date',
      '< 1716840000 2024-05-27T20:00:00Z',
      `< ${PROMPT}`,
      '> demo off',
      '< DemoMode_Cfg/DemoModeEnable = false',
      `< ${PROMPT}`,
      '',
    ]);
  });

  test('flash faults through the console: corrupt → fields absent, restore → back; cert damage keeps SSID', async () => {
    await console_.run('flash corrupt');
    expect(board.platform.settings()).toEqual({});
    await expect(console_.run('show config')).rejects.toThrow(ConsoleCommandError);
    await console_.run('flash restore');
    expect(board.flash.read().config).toEqual(image().config);
    await console_.run('cert damage');
    const s = board.platform.settings();
    expect(s.nms).toEqual({ valid: false });
    expect(Buffer.from(s.ssid!).toString()).toBe('CRDC mesh');
  });
});

describe('Console over tcp:// (a serial server in raw mode)', () => {
  let dir: string;
  let server: Server;
  let cli: BoardConsoleCli | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-board-tcp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    cli?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('the same round trip through a TCP byte pipe', async () => {
    const flash = Flash.format(join(dir, 'flash'), image());
    const clock = new BoardClock({ host: { now: () => 0 }, base: BASE });
    const power = new BoardPower(true);
    server = createServer((sock) => {
      cli = new BoardConsoleCli({ eui64: EUI, serial: { write: (b) => sock.write(b), on: (e, l) => sock.on(e, l), off: (e, l) => sock.off(e, l) }, flash, clock, power, hooks: () => ({}) });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const c = await Console.open({ board: 'meter-1', path: `tcp://127.0.0.1:${port}`, prompt: PROMPT });
    try {
      expect((await c.run('date', { timeoutMs: 2000 })).output).toBe('1716840000 2024-05-27T20:00:00Z');
      await expect(c.run('nope', { timeoutMs: 2000 })).rejects.toThrow(ConsoleCommandError);
    } finally {
      await c.close();
    }
  });

  test('nothing listening: a ResourceError naming the path, no hang', async () => {
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((r) => server.close(() => r()));
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    await expectResourceRejection(Console.open({ board: 'meter-1', path: `tcp://127.0.0.1:${port}`, prompt: PROMPT }), { resource: `tcp://127.0.0.1:${port}`, code: 'refused' });
  });
});

import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoardClock } from '../../../../rigs/virtual/board/clock.js';
import { BoardConsoleCli } from '../../../../rigs/virtual/board/console-cli.js';
import { Flash } from '../../../../rigs/virtual/board/flash.js';
import type { BoardHooks, FlashChange } from '../../../../rigs/virtual/board/hooks.js';
import { BoardPower } from '../../../../rigs/virtual/board/power.js';
import { EUI, image, NMS_CERT_PEM, PROMPT } from './support/board-fixture.js';

const BASE = Date.UTC(2024, 4, 27, 20, 0, 0);

/** The harness side in memory: collects what the board writes. */
class Wire extends EventEmitter {
  out = '';
  write(bytes: Uint8Array): void {
    this.out += Buffer.from(bytes).toString('utf8');
  }
  send(text: string): void {
    this.emit('data', Buffer.from(text));
  }
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }
}

/** Settles the CLI's async line queue (stats may await a provider). */
const settle = () => new Promise((r) => setImmediate(r));

describe('BoardConsoleCli', () => {
  let dir: string;
  let wire: Wire;
  let flash: Flash;
  let clock: BoardClock;
  let power: BoardPower;
  let hooks: BoardHooks;
  let changes: FlashChange[];
  let cli: BoardConsoleCli;

  async function cmd(line: string): Promise<string> {
    wire.send(`${line}\r\n`);
    await settle();
    return wire.take();
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-cli-'));
    wire = new Wire();
    flash = Flash.format(dir, image());
    clock = new BoardClock({ host: { now: () => 0 }, base: BASE });
    changes = [];
    hooks = { onConfigChanged: (c) => changes.push(c) };
    power = new BoardPower(true, () => hooks);
    cli = new BoardConsoleCli({ eui64: EUI, serial: wire, flash, clock, power, hooks: () => hooks });
  });
  afterEach(() => {
    cli.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('show config prints the XML; demo on flips DemoModeEnable and tells the agent', async () => {
    expect(await cmd('show config')).toBe(`${readFileSync(join(dir, 'config.xml'), 'utf8').trimEnd().replace(/\n/g, '\r\n')}\r\n${PROMPT}`);
    expect(await cmd('demo on')).toBe(`DemoMode_Cfg/DemoModeEnable = true\r\n${PROMPT}`);
    expect(await cmd('show config')).toContain('<DemoModeEnable>true</DemoModeEnable>');
    expect(changes).toEqual([{ kind: 'config', field: 'demoMode', path: 'DemoMode_Cfg/DemoModeEnable', value: true }]);
  });

  test("fault demo-mode-sticky: 'demo off' answers as if done but the file keeps DemoModeEnable true", async () => {
    cli.close();
    cli = new BoardConsoleCli({ eui64: EUI, serial: wire, flash, clock, power, hooks: () => hooks, stickyDemoMode: true });
    expect(await cmd('demo on')).toBe(`DemoMode_Cfg/DemoModeEnable = true\r\n${PROMPT}`);
    expect(await cmd('demo off')).toBe(`DemoMode_Cfg/DemoModeEnable = false\r\n${PROMPT}`);
    expect(flash.read().config.demoMode).toBe(true);
    expect(await cmd('show config')).toContain('<DemoModeEnable>true</DemoModeEnable>');
  });

  test('set config takes the rest of the line as the value', async () => {
    expect(await cmd('set config WPAN_Cfg/SSID lab mesh 2')).toBe(`WPAN_Cfg/SSID = lab mesh 2\r\n${PROMPT}`);
    expect(flash.read().config.ssid).toBe('lab mesh 2');
    expect(await cmd('set config WPAN_Cfg/PANID nope')).toBe(`Error: WPAN_Cfg/PANID: 'nope' is not an integer from 0 to 65535\r\n${PROMPT}`);
  });

  test('date, date set, date offset, date adjust, unreadable clock', async () => {
    expect(await cmd('date')).toBe(`1716840000 2024-05-27T20:00:00Z\r\n${PROMPT}`);
    expect(await cmd('date offset +2h')).toBe(`offset +7200 s\r\n${PROMPT}`);
    expect(await cmd('date')).toBe(`1716847200 2024-05-27T22:00:00Z\r\n${PROMPT}`);
    expect(await cmd('date adjust -30m')).toBe(`offset +5400 s\r\n${PROMPT}`);
    expect(await cmd('date offset')).toBe(`offset +5400 s\r\n${PROMPT}`);
    expect(await cmd('date set 1700000000')).toBe(`1700000000 2023-11-14T22:13:20Z\r\n${PROMPT}`);
    expect(clock.offsetSeconds).toBe(1700000000 - 1716840000);
    clock.unreadable = true;
    expect(await cmd('date')).toBe(`Error: cannot read clock\r\n${PROMPT}`);
    expect(await cmd('date offset soon')).toBe(`Error: usage: date offset <±seconds|±2h>\r\n${PROMPT}`);
  });

  test('cert show prints the fingerprint and never key material; damage and install', async () => {
    const show = await cmd('cert show');
    expect(show).toMatch(/^fingerprint SHA256:([0-9A-F]{2}:){31}[0-9A-F]{2}\r\nsubject CN=csmp-hil test NMS, O=csmp-hil test fixture\r\nnot before .*\r\nnot after .*\r\nvalid true\r\n/);
    expect(show).not.toMatch(/BEGIN|PRIVATE|KEY/);
    expect(await cmd('cert damage')).toBe(`NMS certificate damaged\r\n${PROMPT}`);
    expect(await cmd('cert show')).toBe(`fingerprint unavailable\r\nvalid false\r\n${PROMPT}`);
    expect(flash.read().config.ssid).toBe('CRDC mesh');
    const b64 = Buffer.from(NMS_CERT_PEM).toString('base64');
    expect(await cmd(`cert install ${b64}`)).toBe(`NMS certificate installed, fingerprint SHA256:${flash.read().nmsCert!.fingerprint}\r\n${PROMPT}`);
    expect(flash.read().nmsCertValid).toBe(true);
    expect(await cmd('cert install bm90IGEgY2VydA==')).toBe(`Error: cert install expects a base64-encoded PEM certificate\r\n${PROMPT}`);
    expect(changes).toEqual([
      { kind: 'cert', action: 'damage' },
      { kind: 'cert', action: 'install' },
    ]);
  });

  test('flash corrupt / restore through the console', async () => {
    expect(await cmd('flash corrupt')).toBe(`flash corrupted\r\n${PROMPT}`);
    expect(await cmd('show config')).toBe(`Error: configuration unreadable\r\n${PROMPT}`);
    expect(await cmd('cert show')).toBe(`Error: no readable NMS certificate\r\n${PROMPT}`);
    expect(await cmd('flash restore')).toBe(`flash restored\r\n${PROMPT}`);
    expect(flash.read().config).toEqual(image().config);
  });

  test('stats and reboot call the agent hooks', async () => {
    expect(await cmd('stats')).toBe(`Error: stats not available (no agent running)\r\n${PROMPT}`);
    let reboots = 0;
    hooks.statsProvider = async () => ({ regAttempts: 3, sigBadValidity: 0, registered: true });
    hooks.onReboot = () => reboots++;
    expect(await cmd('stats')).toBe(`regAttempts 3\r\nsigBadValidity 0\r\nregistered true\r\n${PROMPT}`);
    expect(await cmd('reboot')).toBe(`rebooting\r\n\r\nmeter-${EUI} booting\r\n${PROMPT}`);
    expect(reboots).toBe(1);
  });

  test('unknown command, empty line, CR / LF / CR LF line ends, help', async () => {
    expect(await cmd('frobnicate now')).toBe(`Error: unknown command 'frobnicate now'\r\n${PROMPT}`);
    expect(await cmd('')).toBe(PROMPT);
    wire.send('date\rdate\ndate');
    wire.send('\r');
    wire.send('\n');
    await settle();
    expect(wire.take()).toBe(`1716840000 2024-05-27T20:00:00Z\r\n${PROMPT}`.repeat(3));
    expect((await cmd('help')).split('\r\n')).toHaveLength(15);
  });

  test('powered off: input is dropped and nothing is said; power on prints the boot banner', async () => {
    const events: string[] = [];
    hooks.onPowerOff = () => events.push('off');
    hooks.onPowerOn = () => events.push('on');
    power.off();
    expect(await cmd('date')).toBe('');
    expect(cli.drops.get('input while powered off')).toBe(6);
    power.on();
    expect(wire.take()).toBe(`\r\nmeter-${EUI} booting\r\n${PROMPT}`);
    expect(events).toEqual(['off', 'on']);
    expect(await cmd('date')).toBe(`1716840000 2024-05-27T20:00:00Z\r\n${PROMPT}`);
  });

  test('an over-long line is refused and counted, and the next line works', async () => {
    cli.close();
    cli = new BoardConsoleCli({ eui64: EUI, serial: wire, flash, clock, power, hooks: () => hooks, maxLineLength: 16 });
    expect(await cmd('x'.repeat(40))).toBe(`Error: line longer than 16 characters\r\n${PROMPT}`);
    expect(cli.drops.get('input line too long')).toBe(40);
    expect(await cmd('date')).toBe(`1716840000 2024-05-27T20:00:00Z\r\n${PROMPT}`);
  });
});

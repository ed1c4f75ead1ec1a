/**
 * The lab's hands on a virtual board: its console (drivers/console on the board pty) and its
 * power commands (drivers/power running the rig's commands), with the effects seen over the
 * radio by the harness NMS. Nothing here touches simulator memory to set a fault.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Console } from '../../../drivers/console/console.js';
import { consoleOptionsFromSpec } from '../../../harness/app/console-from-rig.js';
import { PowerControl } from '../../../drivers/power/power-control.js';
import { loadRig, type Rig } from '../../../harness/config/rig.js';
import type { Nms } from '../../../harness/nms/nms.js';
import type { VirtualRig } from '../../../rigs/virtual/rig.js';
import { startRigWithNms, type RigWithNms } from './support/rig-with-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;
const CON = { timeoutMs: 180_000 }; // NMS clock at 60x: 3 real seconds

describe('console and power of a virtual board', () => {
  let dir: string;
  let sim: VirtualRig;
  let rig: Rig;
  let bench: RigWithNms | undefined;
  let nms: Nms;
  let con: Console;
  let power: PowerControl;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vcon-'));
    const file = await loadRig(RIG_FILE);
    file.virtual = { ...file.virtual, meters: [{ name: 'meter-1' }, { name: 'meter-2' }] };
    bench = await startRigWithNms(file, dir);
    ({ sim, rig, nms } = bench);
    const dev = rig.devices.find((d) => d.name === 'meter-1')!;
    con = await Console.open(consoleOptionsFromSpec(dev.name, dev.console!));
    power = new PowerControl(dev.name, { ...dev.power!, cycleOffMs: 50 });
    await nms.events.waitForEvent('up', 1_800_000, { device: 'meter-1' });
  });
  afterAll(async () => {
    await con?.close();
    await bench?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const tlv = async (tlvId: number) => (await nms.client.get('meter-1', tlvId, CON)).tlvs[0]?.value ?? {};

  test('resolveRig gives each device its board console, prompt, commands and power', () => {
    const dev = rig.devices[0]!;
    expect(dev.console!.path).toBe(sim.describe().consoles['meter-1']);
    expect(dev.console!.prompt).toBe('meter-00173bfffe000001> ');
    expect(dev.console!.commands['clock-set']).toBe('date offset {args}');
    expect(dev.power!.on).toContain(sim.describe().powerSockets['meter-1']!);
    expect(dev.capabilities).toEqual(expect.arrayContaining(['console', 'power', 'clock-set', 'demo-mode', 'flash-corrupt', 'cert-swap']));
  });

  test('demo mode: the DevCfgSchema XML says DemoModeEnable true, and so does WPANStatus', async () => {
    expect((await con.runCapability('show-config')).output).toContain('<DemoModeEnable>false</DemoModeEnable>');
    await con.runCapability('demo-mode', { args: 'on' });
    expect((await con.runCapability('show-config')).output).toContain('<DemoModeEnable>true</DemoModeEnable>');
    expect((await tlv(35))['demoModeEnabled']).toBe(true);
    await con.runCapability('demo-mode', { args: 'off' });
  });

  test('clock skew from the console: signed POSTs rejected 4.01, sigBadValidity rises', async () => {
    const before = (await tlv(45))['sigBadValidity'] as number;
    await con.runCapability('clock-set', { args: '-3h' });
    const answer = await nms.client.post('meter-1', [{ type: 55, fields: { type: 1, id: 42 } }], CON);
    expect(answer.code).toBe('4.01');
    expect((await tlv(45))['sigBadValidity']).toBe(before + 1);
    const skewed = (await tlv(18))['posix'] as number;
    expect(sim.clock.now() / 1000 - skewed).toBeGreaterThan(3 * 3600 - 60);
    await con.runCapability('clock-set', { args: '0' });
    expect((await nms.client.post('meter-1', [{ type: 55, fields: { type: 1, id: 42 } }], CON)).code).toBe('2.01');
  });

  test('damaged certificate: NMSCertValid false, SSID present; corrupted flash: SSID absent until restored; cert swap', async () => {
    await con.runCapability('cert-damage');
    expect((await tlv(43))['NMSCertValid']).toBe(false);
    expect(new TextDecoder().decode((await tlv(35))['SSID'] as Uint8Array)).toBe('CRDC');
    await con.runCapability('flash-corrupt');
    expect('SSID' in (await tlv(35))).toBe(false);
    expect('NMSCertValid' in (await tlv(43))).toBe(false);
    await con.runCapability('flash-restore');
    expect(new TextDecoder().decode((await tlv(35))['SSID'] as Uint8Array)).toBe('CRDC');
    // The backup was taken when flash was corrupted, after the certificate was damaged.
    expect((await tlv(43))['NMSCertValid']).toBe(false);
    // A damaged certificate leaves the meter without the NMS key: signed POSTs fail sigBadAuth.
    expect((await nms.client.post('meter-1', [{ type: 55, fields: { type: 1, id: 42 } }], CON)).code).toBe('4.01');
    const pem = readFileSync(rig.nms.signing.cert);
    await con.runCapability('cert-swap', { args: pem.toString('base64') });
    expect((await tlv(43))['NMSCertValid']).toBe(true);
    expect((await nms.client.post('meter-1', [{ type: 55, fields: { type: 1, id: 42 } }], CON)).code).toBe('2.01');
  });

  test('console stats show the agent counters', async () => {
    const out = (await con.runCapability('stats')).output;
    expect(out).toMatch(/^state registered$/m);
    expect(out).toMatch(/^sigOk \d+$/m);
    expect(out).toMatch(/^regSucceed 1$/m);
  });

  test('power off silences the meter; power on boots it and it registers again (cold start)', async () => {
    await power.off();
    await expect(nms.client.get('meter-1', 22, { timeoutMs: 60_000 })).rejects.toThrow();
    const mark = nms.events.mark();
    await power.on();
    await nms.events.waitFor((e) => e.name === 'up' && e.device === 'meter-1', 1_800_000, { since: mark, what: 'meter-1 up after power on' });
    expect((await tlv(22))['sysUpTime']).toBeLessThan(600);
    expect((await tlv(43))['lastRegReason']).toBe(1);
    expect((await tlv(45))['regSucceed']).toBe(1);
  });

  test('console reboot: the agent restarts and registers with reason administrative', async () => {
    const mark = nms.events.mark();
    await con.runCapability('reboot', {}, { expect: /booting[\s\S]*> $/ });
    await nms.events.waitFor((e) => e.name === 'up' && e.device === 'meter-1', 1_800_000, { since: mark, what: 'meter-1 up after reboot' });
    expect((await tlv(43))['lastRegReason']).toBe(2);
  });
});

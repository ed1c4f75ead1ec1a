import { describe, expect, it } from '@jest/globals';
import { diagnose } from '../../../../harness/nms/diagnosis/diagnose.js';
import { demoModeFromXml } from '../../../../harness/nms/diagnosis/looks.js';
import { FND, METER, NOW_S, VIP } from '../scripted-device.js';
import { event, facts, ok, probe } from './scripted-facts.js';

describe('diagnose on scripted evidence', () => {
  it('healthy: up, every check passes, evidence lists each look', async () => {
    const p = probe();
    const d = await diagnose(facts(), p);
    expect(d.branch).toBe('healthy');
    expect(p.asked).toEqual([35, 43, 18, 45, 58, 75]);
    expect(d.evidence.map((e) => e.what)).toContain('GET 75 FirmwareImageInfo (running slot)');
    expect(d.evidence.find((e) => e.what === 'GET 43 CGMSStatus.NMSCertValid')!.seen).toMatch(/^4\.04: TLV 43 not supported/);
    expect(d.evidence.find((e) => e.what === 'GET 35 WPANStatus.SSID')!.seen).toBe('2.05: "CISCO" (434953434f)');
  });

  it('asks the device only what the checks up to the matching branch need', async () => {
    const nmsOnly = probe();
    expect((await diagnose(facts({ misroutedAnswers: [{ sentFrom: FND, arrivedAt: VIP, count: 1 }] }), nmsOnly)).branch).toBe('load-balancer');
    expect(nmsOnly.asked).toEqual([]);
    const cert = probe({ 43: ok({ type: 43, fields: { NMSCertValid: false } }) });
    expect((await diagnose(facts({ state: 'registering' }), cert)).branch).toBe('nms-cert');
    expect(cert.asked).toEqual([35, 43]);
    const group = probe({ 58: ok({ type: 58, fields: { type: 2, id: 243 } }) });
    expect((await diagnose(facts(), group)).branch).toBe('firmware-group');
    expect(group.asked).toEqual([35, 43, 18, 45, 58]);
  });

  it('firewall: inbound drops from the device', async () => {
    const d = await diagnose(
      facts({ state: 'down', firewall: { inbound: 'csmp-port', outbound: false, droppedInbound: 4, droppedOutbound: 0, droppedFrom: { [METER]: 4 } } }),
      probe(),
    );
    expect(d.branch).toBe('firewall');
    expect(d.cause).toContain('4 datagram(s) from fd00::2');
    expect(d.fix).toMatch(/61628/);
  });

  it('load-balancer: answers to requests from the FND address arrive at the VIP', async () => {
    const d = await diagnose(facts({ misroutedAnswers: [{ sentFrom: FND, arrivedAt: VIP, count: 2 }] }), probe());
    expect(d.branch).toBe('load-balancer');
    expect(d.evidence).toContainEqual({ what: 'answers arriving at another address than the request left from', seen: `2 sent from ${FND}, arrived at ${VIP}` });
  });

  it('registration: the NMS refused the DeviceID', async () => {
    const d = await diagnose(facts({ state: 'unheard', registrationCount: 0, reportCount: 0, events: [{ ...event('registrationRejected'), message: 'rejected with 4.03: unknown DeviceID' }] }), probe());
    expect(d.branch).toBe('registration');
    expect(d.fix).toMatch(/inventory/);
  });

  it('flash-corruption: SSID absent', async () => {
    const d = await diagnose(facts({ state: 'registering' }), probe({ 35: ok({ type: 35, fields: { ifIndex: 2 } }), 43: ok({ type: 43, fields: { registered: false } }) }));
    expect(d.branch).toBe('flash-corruption');
    expect(d.evidence.find((e) => e.what === 'GET 35 WPANStatus.SSID')!.seen).toBe('2.05: absent');
  });

  it('nms-cert: NMSCertValid false with SSID present', async () => {
    const d = await diagnose(facts({ state: 'registering' }), probe({ 43: ok({ type: 43, fields: { NMSCertValid: false } }) }));
    expect(d.branch).toBe('nms-cert');
    expect(d.evidence.find((e) => e.what === 'GET 43 CGMSStatus.NMSCertValid')!.seen).toBe('2.05: false');
  });

  it('demo-mode: from the console XML, and from WPANStatus.demoModeEnabled', async () => {
    const xml = '<DevCfgSchema><DemoMode_Cfg><DemoModeEnable>true</DemoModeEnable></DemoMode_Cfg></DevCfgSchema>';
    expect(demoModeFromXml(xml)).toBe(true);
    expect(demoModeFromXml(xml.replace('true', 'false'))).toBe(false);
    expect(demoModeFromXml('<DevCfgSchema/>')).toBeUndefined();
    let d = await diagnose(facts({ state: 'registering' }), probe({}, xml));
    expect(d.branch).toBe('demo-mode');
    expect(d.evidence).toContainEqual({ what: 'console configuration DemoMode_Cfg/DemoModeEnable', seen: 'true' });
    d = await diagnose(facts(), probe({ 35: ok({ type: 35, fields: { SSID: Buffer.from('CISCO'), demoModeEnabled: true } }) }));
    expect(d.branch).toBe('demo-mode');
  });

  it('clock-skew: device clock outside the validity window, code 2 and sigBadValidity', async () => {
    const d = await diagnose(
      facts({ state: 'registering', reportCount: 0, notificationCodes: [2, 2], events: [event('signatureFailure')] }),
      probe({ 18: ok({ type: 18, fields: { posix: NOW_S + 7200 } }), 45: ok({ type: 45, fields: { sigBadValidity: 3, regFails: 3 } }) }),
    );
    expect(d.branch).toBe('clock-skew');
    expect(d.evidence).toContainEqual({ what: 'device clock (CurrentTime) minus NMS time', seen: '7200 s' });
    expect(d.cause).toContain('7200 s ahead of');
    expect(d.fix).toContain('time synchronized');
  });

  it('nms-cert from sigBadAuth when the device clock is fine', async () => {
    const d = await diagnose(
      facts({ state: 'registering', reportCount: 0, notificationCodes: [2] }),
      probe({ 45: ok({ type: 45, fields: { sigBadAuth: 2, sigBadValidity: 0 } }) }),
    );
    expect(d.branch).toBe('nms-cert');
  });

  it('firmware-group: GroupInfo type 2 differs from the expected group', async () => {
    const d = await diagnose(facts({ events: [event('firmwareGroupMismatch'), event('signatureFailure')] }), probe({ 58: ok({ type: 58, fields: { type: 2, id: 243 } }) }));
    expect(d.branch).toBe('firmware-group');
    expect(d.cause).toMatch(/^Running firmware group on the device is id=243 but must be id=317; the NMS sent GroupAssign 1 time/);
  });

  it('firmware-info: running version / hwId differ', async () => {
    const d = await diagnose(facts(), probe({ 75: ok({ type: 75, fields: { index: 1, version: '6.6.98', isRunning: true, hwInfo: { hwId: 'csmp-hw' } } }) }));
    expect(d.branch).toBe('firmware-info');
    expect(d.cause).toContain('running version "6.6.98", expected "6.6.99"; hwId "csmp-hw", expected "CSMP-HW"');
  });

  it('registration fallback: registers, never reports, CGMSSettings on', async () => {
    const d = await diagnose(facts({ state: 'registering', reportCount: 0, notificationCodes: [2], cgmsSettingsInRegistration: true }), probe());
    expect(d.branch).toBe('registration');
    expect(d.cause).toContain('CGMSSettings (42)');
  });
});

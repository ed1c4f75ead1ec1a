import { afterEach, describe, expect, it } from '@jest/globals';
import { buildPayload } from '../../../harness/csmp/payload.js';
import { currentTime, flush, makeRig, sessionId, type Rig } from './scripted-device.js';

const subscribe = (interval: number) => ({ type: 13, fields: { interval } });

describe('NMS meeting a device registered before it started', () => {
  let rig: Rig;
  afterEach(async () => rig?.stop());

  it('reads ReportSubscribe (TLV 13) once on the first report and runs Down on the device interval', async () => {
    rig = await makeRig({ nms: { registration: { reportIntervalS: 300 } } });
    rig.answer(() => ({ code: '2.05', payload: buildPayload([subscribe(20)], { lengthStyle: 'agent' }) }));
    await rig.devicePost([sessionId('77'), currentTime()]);
    await flush();
    await flush();
    const rec = rig.nms.devices.require('meter1');
    expect(rig.served.map((r) => [r.code, r.uriQuery])).toEqual([['0.01', ['q=13']]]);
    expect([rec.state, rec.reportIntervalS, rec.reportIntervalSource, rec.registrationCount]).toEqual(['up', 20, 'device', 0]);
    // A second report does not read it again.
    await rig.devicePost([sessionId('77'), currentTime()]);
    expect(rig.served).toHaveLength(1);
    rig.clock.advance(59_999);
    expect(rec.state).toBe('up');
    rig.clock.advance(1);
    expect(rec.state).toBe('down');
    expect(rig.nms.events.log.map((e) => e.name)).toEqual(['up', 'down']);
  });

  it('keeps the interval it would subscribe (and says so) when the device does not answer the GET', async () => {
    rig = await makeRig({ nms: { registration: { reportIntervalS: 30 } } });
    rig.answer(() => ({ code: '4.04' }));
    await rig.devicePost([sessionId('77'), currentTime()]);
    await flush();
    const rec = rig.nms.devices.require('meter1');
    expect([rec.state, rec.reportIntervalS, rec.reportIntervalSource]).toEqual(['up', 30, 'nms-setting']);
    rig.clock.advance(90_000);
    expect(rec.state).toBe('down');
  });

  it('probe: an answered GET is heard at once, without waiting for a report', async () => {
    rig = await makeRig({ nms: { registration: { reportIntervalS: 300 } } });
    rig.answer(() => ({ code: '2.05', payload: buildPayload([subscribe(60)], { lengthStyle: 'agent' }) }));
    const result = await rig.nms.probe('meter1');
    expect(result).toEqual({ device: 'meter1', answered: true, code: '2.05', reportIntervalS: 60, reportIntervalSource: 'device' });
    expect(rig.nms.devices.require('meter1').state).toBe('up');
  });
});

import { describe, expect, it } from '@jest/globals';
import { demoMode } from '../../../../../harness/nms/diagnosis/branches/demo-mode.js';
import { facts, HEALTHY_STATUS, looked, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

const xml = (v: string): string => `<DevCfgSchema><DemoMode_Cfg><DemoModeEnable>${v}</DemoModeEnable></DemoMode_Cfg></DevCfgSchema>`;
const FIX = 'Have the meter vendor disable demo mode in the meter configuration (DemoModeEnable false) and reload it.';

describe('demoMode', () => {
  it('the console configuration says DemoModeEnable true', async () => {
    expect(demoMode(await looked('console', facts(), probe({}, xml('true'))))).toEqual({
      branch: 'demo-mode',
      evidence: [
        { what: 'NMS device state', seen: 'up (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        { what: 'console configuration DemoMode_Cfg/DemoModeEnable', seen: 'true' },
      ],
      cause: 'The meter runs in demo mode (DevCfgSchema DemoMode_Cfg/DemoModeEnable = true).',
      fix: FIX,
    });
  });

  it('without a console, WPANStatus.demoModeEnabled true', async () => {
    const f = await looked('console', facts(), probe({ 35: ok({ type: 35, fields: { SSID: Buffer.from('CISCO'), demoModeEnabled: true } }) }));
    expect(demoMode(f)).toEqual({
      branch: 'demo-mode',
      evidence: [
        { what: 'NMS device state', seen: 'up (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        { what: 'GET 35 WPANStatus.demoModeEnabled', seen: 'true' },
      ],
      cause: 'The device reports demo mode enabled (WPANStatus.demoModeEnabled true).',
      fix: FIX,
    });
  });

  it('is nothing for DemoModeEnable false, or a configuration that does not say', async () => {
    expect(demoMode(await looked('console', facts(), probe({}, xml('false'))))).toBeUndefined();
    const silent = await looked('console', facts(), probe({}, '<DevCfgSchema/>'));
    expect(silent.evidence[6]).toEqual({ what: 'console configuration DemoMode_Cfg/DemoModeEnable', seen: 'not present in the XML' });
    expect(demoMode(silent)).toBeUndefined();
  });
});

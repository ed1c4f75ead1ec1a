/**
 * A walk whose looks went unanswered ends inconclusive, never healthy: what the NMS learnt before
 * (the last /r, a report's clock) may explain a fault but cannot clear a check the device left open.
 */
import { describe, expect, it } from '@jest/globals';
import { diagnose } from '../../../../harness/nms/diagnosis/diagnose.js';
import type { DiagnosisProbe, ProbeResult } from '../../../../harness/nms/diagnosis/facts.js';
import { event, facts, healthyAnswers, ok, probe } from './scripted-facts.js';

const FIX =
  "Diagnose again. A device that answers some requests and not others loses them: compare the pcap of this walk (the requests sent, the answers missing) with the dongle's drop counters and the mesh link, and give the firmware team the pcap if the radio path is clean; a console that does not answer needs its cable, port and prompt checked.";

/** A device that answers its first `answered` GETs and then none, as diagnoseDevice asks one (no GET after a timeout). */
function fallsSilentAfter(answered: number, xml?: string): DiagnosisProbe & { asked: number[] } {
  const asked: number[] = [];
  let silent: string | undefined;
  return {
    asked,
    get: async (id): Promise<ProbeResult> => {
      if (silent) return { ok: false, error: `not asked (${silent})` };
      asked.push(id);
      if (asked.length <= answered) return healthyAnswers[id]!;
      silent = `no answer to GET ${id} within 375 ms`;
      return { ok: false, error: silent };
    },
    ...(xml !== undefined ? { consoleConfigXml: async () => xml } : {}),
  };
}

const registeredIn317 = ok({ type: 58, fields: { type: 2, id: 317 } });

describe('a walk with unanswered looks', () => {
  it('is inconclusive, not healthy, when GET 18 times out after GET 35 and 43 (groups and clock only from the last /r)', async () => {
    const d = await diagnose(facts({ clockOffsetS: 0, ...(registeredIn317.ok ? { lastRegistration: registeredIn317.tlvs } : {}) }), fallsSilentAfter(2));
    expect(d.branch).toBe('inconclusive');
    const notAsked = 'not asked (no answer to GET 18 within 375 ms)';
    expect(d.cause).toBe(
      `The device is up, but not every check of the flowchart was answered: GET 18 CurrentTime: no answer to GET 18 within 375 ms; GET 45 CGMSStats: ${notAsked}; GET 58 GroupInfo: ${notAsked}; GET 75 FirmwareImageInfo: ${notAsked}. No branch matched what was answered, and a check left unanswered clears nothing.`,
    );
    expect(d.fix).toBe(FIX);
    // What the NMS learnt before is shown for what it is, never as the device's answer.
    expect(d.evidence.slice(-4)).toEqual([
      { what: 'device clock (CurrentTime) minus NMS time', seen: 'no answer to GET 18 within 375 ms; from the last /r or report: 0 s' },
      { what: 'GET 45 CGMSStats', seen: notAsked },
      { what: 'GET 58 GroupInfo', seen: `${notAsked}; from last /r: type 2 id 317` },
      { what: 'GET 75 FirmwareImageInfo (running slot)', seen: notAsked },
    ]);
  });

  it('is inconclusive when only GET 75 goes unanswered', async () => {
    const d = await diagnose(facts(), probe({ 75: { ok: false, error: 'no answer to GET 75 within 375 ms' } }));
    expect(d.branch).toBe('inconclusive');
    expect(d.cause).toBe(
      'The device is up, but not every check of the flowchart was answered: GET 75 FirmwareImageInfo: no answer to GET 75 within 375 ms. No branch matched what was answered, and a check left unanswered clears nothing.',
    );
  });

  it('is inconclusive when the console read of the configuration fails (demo mode unknown)', async () => {
    const p: DiagnosisProbe = {
      ...probe(),
      consoleConfigXml: async () => {
        throw new Error("console meter1: 'show-config' got no prompt within 375 ms");
      },
    };
    const d = await diagnose(facts(), p);
    expect(d.branch).toBe('inconclusive');
    expect(d.cause).toBe(
      "The device is up, but not every check of the flowchart was answered: console configuration (DevCfgSchema XML): not readable: console meter1: 'show-config' got no prompt within 375 ms. No branch matched what was answered, and a check left unanswered clears nothing.",
    );
  });

  it('takes a configuration read without DemoModeEnable (optional in the schema) as answered: WPANStatus decides, as without a console', async () => {
    const d = await diagnose(facts(), probe({}, '<DevCfgSchema/>'));
    expect(d.branch).toBe('healthy');
    expect(d.evidence).toContainEqual({ what: 'console configuration DemoMode_Cfg/DemoModeEnable', seen: 'not present in the XML' });
  });

  it('is healthy with every look answered, a console saying demo mode off, and GET 43 not supported (4.04)', async () => {
    const d = await diagnose(facts(), probe({}, '<DevCfgSchema><DemoMode_Cfg><DemoModeEnable>false</DemoModeEnable></DemoMode_Cfg></DevCfgSchema>'));
    expect(d.branch).toBe('healthy');
  });

  it('a device not up with checks left open is inconclusive, not "none of the specific branches matched"', async () => {
    const d = await diagnose(facts({ state: 'down' }), fallsSilentAfter(3));
    expect(d.branch).toBe('inconclusive');
    expect(d.cause).toMatch(/^The device is down, but not every check of the flowchart was answered: GET 45 CGMSStats: no answer to GET 45 within 375 ms; /);
  });

  it('a fault in what was answered still decides the branch', async () => {
    const d = await diagnose(facts(), probe({ 18: { ok: false, error: 'no answer to GET 18 within 375 ms' }, 58: ok({ type: 58, fields: { type: 2, id: 243 } }) }));
    expect(d.branch).toBe('firmware-group');
  });

  it('a registration storm is said on an inconclusive walk too, with the checks left open', async () => {
    const attempts = Array.from({ length: 30 }, (_, i) => ({ ...event('registrationRequest'), seq: i + 1, at: i * 1000 }));
    const d = await diagnose(facts({ events: attempts }), probe({ 75: { ok: false, error: 'no answer to GET 75 within 375 ms' } }));
    expect(d.branch).toBe('registration');
    expect(d.cause).toMatch(/^The device is up, but sends POST \/r far faster than its retry timer allows: a .+\. Not every check of the flowchart was answered: GET 75 FirmwareImageInfo: no answer to GET 75 within 375 ms\.$/);
  });
});

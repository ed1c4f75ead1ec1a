import { describe, expect, it } from '@jest/globals';
import { diagnose } from '../../../../../harness/nms/diagnosis/diagnose.js';
import { silentDevice } from '../../../../../harness/nms/diagnosis/branches/silent.js';
import { facts, looked, probe } from '../scripted-facts.js';

const timeout = { ok: false as const, error: 'no answer to GET 35 within 3000 ms' };
const notAsked = { ok: false as const, error: 'not asked (no answer to GET 35 within 3000 ms)' };

describe('silentDevice', () => {
  it('stops the walk on a device that answers nothing: no branch is guessed from missing answers', async () => {
    // Every GET times out; before the silent check, GET 58 timing out fell through to "firmware group differs".
    const p = probe({ 35: timeout, 43: notAsked, 18: notAsked, 45: notAsked, 58: notAsked, 75: notAsked });
    const d = await diagnose(facts({ state: 'up' }), p);
    expect(d.branch).toBe('silent');
    expect(p.asked).toEqual([35, 43]);
    expect(d.cause).toBe('The device answered nothing in time: GET 35 (WPANStatus) went unanswered (NMS state up). No flowchart branch can be decided from missing answers.');
    expect(d.evidence.slice(-2)).toEqual([
      { what: 'GET 35 WPANStatus.SSID', seen: 'no answer to GET 35 within 3000 ms' },
      { what: 'GET 43 CGMSStatus.NMSCertValid', seen: 'not asked (no answer to GET 35 within 3000 ms)' },
    ]);
  });

  it('says the NMS never heard from a device that never registered', async () => {
    const f = await looked('status', facts({ state: 'unheard', registrationCount: 0, reportCount: 0, events: [] }), probe({ 35: timeout, 43: notAsked }));
    expect(silentDevice(f)!.cause).toBe(
      'The device answered nothing in time: GET 35 (WPANStatus) went unanswered, and no /r or report from it ever reached the NMS (NMS state unheard). No flowchart branch can be decided from missing answers.',
    );
  });

  it('is nothing for a device that answers with an error code', async () => {
    expect(silentDevice(await looked('status', facts(), probe({ 35: { ok: false, code: '4.04', error: 'error answer' } })))).toBeUndefined();
  });
});

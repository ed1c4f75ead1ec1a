import { describe, expect, it } from '@jest/globals';
import { flashCorruption } from '../../../../../harness/nms/diagnosis/branches/flash-corruption.js';
import { facts, looked, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

describe('flashCorruption', () => {
  it('WPANStatus answers without its SSID, CGMSStatus without NMSCertValid', async () => {
    const p = probe({ 35: ok({ type: 35, fields: { ifIndex: 2 } }), 43: ok({ type: 43, fields: { registered: false } }) });
    expect(flashCorruption(await looked('status', facts({ state: 'registering' }), p))).toEqual({
      branch: 'flash-corruption',
      evidence: [
        { what: 'NMS device state', seen: 'registering (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        { what: 'GET 35 WPANStatus.SSID', seen: '2.05: absent' },
        { what: 'GET 43 CGMSStatus.NMSCertValid', seen: '2.05: absent' },
      ],
      cause: 'Values the device reads from flash come back absent (WPANStatus.SSID and CGMSStatus.NMSCertValid "NULL"): the device\'s flash/NVRAM content is corrupted.',
      fix: 'Return the device to the vendor for hardware/flash repair or replacement; re-provision its configuration and certificates afterwards.',
    });
  });

  it('names only the SSID when NMSCertValid is present', async () => {
    const p = probe({ 35: ok({ type: 35, fields: { ifIndex: 2 } }), 43: ok({ type: 43, fields: { NMSCertValid: false } }) });
    expect(flashCorruption(await looked('status', facts(), p))!.cause).toBe(
      'Values the device reads from flash come back absent (WPANStatus.SSID "NULL"): the device\'s flash/NVRAM content is corrupted.',
    );
  });

  it('is nothing for an empty SSID (present, zero bytes) or a WPANStatus that did not answer', async () => {
    const empty = probe({ 35: ok({ type: 35, fields: { ifIndex: 2, SSID: Buffer.alloc(0) } }) });
    const f = await looked('status', facts(), empty);
    expect(f.evidence[4]).toEqual({ what: 'GET 35 WPANStatus.SSID', seen: '2.05: "" (empty)' });
    expect(flashCorruption(f)).toBeUndefined();
    expect(flashCorruption(await looked('status', facts(), probe({ 35: { ok: false, code: '4.04', error: 'error answer' } })))).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import { nmsCertInvalid, nmsSignatureRejected } from '../../../../../harness/nms/diagnosis/branches/nms-cert.js';
import { event, facts, HEALTHY_STATUS, looked, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

describe('nmsCertInvalid', () => {
  it('NMSCertValid false while the SSID is present', async () => {
    const f = await looked('status', facts({ state: 'registering' }), probe({ 43: ok({ type: 43, fields: { NMSCertValid: false } }) }));
    expect(nmsCertInvalid(f)).toEqual({
      branch: 'nms-cert',
      evidence: [
        { what: 'NMS device state', seen: 'registering (registrations answered: 1, reports: 3)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        SEEN.ssid,
        { what: 'GET 43 CGMSStatus.NMSCertValid', seen: '2.05: false' },
      ],
      cause:
        'The device holds an NMS certificate it considers invalid (CGMSStatus.NMSCertValid false) while its network configuration (SSID) is present: the certificate file on the device is bad.',
      fix: 'Reload the correct NMS (FND) CSMP signing certificate onto the device (vendor tool or config push), then let it re-register.',
    });
  });

  it('is nothing when NMSCertValid is true or absent', async () => {
    expect(nmsCertInvalid(await looked('status', facts(), probe({ 43: ok({ type: 43, fields: { NMSCertValid: true } }) })))).toBeUndefined();
    expect(nmsCertInvalid(await looked('status', facts(), probe({ 43: ok({ type: 43, fields: { registered: true } }) })))).toBeUndefined();
  });
});

describe('nmsSignatureRejected', () => {
  const badAuth = probe({ 45: ok({ type: 45, fields: { sigBadAuth: 2, sigBadValidity: 0 } }) });

  it('sigBadAuth with a rejected 2.03 (CGMSNotification code 2)', async () => {
    const f = await looked('signatures', facts({ state: 'registering', reportCount: 0, notificationCodes: [2] }), badAuth);
    expect(nmsSignatureRejected(f)).toEqual({
      branch: 'nms-cert',
      evidence: [
        { what: 'NMS device state', seen: 'registering (registrations answered: 1, reports: 0)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        SEEN.clock,
        { what: 'GET 45 CGMSStats', seen: '2.05: sigOk -, sigBadAuth 2, sigBadValidity 0, regFails -' },
        { what: 'CGMSNotification code 2 (registration response rejected) from the device', seen: '1 time(s)' },
      ],
      cause:
        'The device rejects the NMS signature itself (sigBadAuth 2, sigBadValidity 0): it holds a different NMS certificate/public key than the one the NMS signs with.',
      fix: 'Install the NMS (FND) CSMP signing certificate that matches the NMS key on the device, or sign with the key the device trusts.',
    });
  });

  it('sigBadAuth with a signatureFailure event and no notification', async () => {
    const f = await looked('signatures', facts({ events: [event('signatureFailure')] }), badAuth);
    expect(nmsSignatureRejected(f)?.branch).toBe('nms-cert');
  });

  it('is nothing for sigBadAuth the NMS never saw rejected (no code 2, no signatureFailure)', async () => {
    expect(nmsSignatureRejected(await looked('signatures', facts(), badAuth))).toBeUndefined();
  });
});

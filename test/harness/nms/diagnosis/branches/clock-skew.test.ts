import { describe, expect, it } from '@jest/globals';
import { clockSkew } from '../../../../../harness/nms/diagnosis/branches/clock-skew.js';
import { NOW_S } from '../../scripted-device.js';
import { event, facts, HEALTHY_STATUS, looked, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

const ahead = probe({ 18: ok({ type: 18, fields: { posix: NOW_S + 7200 } }), 45: ok({ type: 45, fields: { sigBadValidity: 3, regFails: 3 } }) });

describe('clockSkew', () => {
  it('device clock 2 h ahead, outside the validity window, 2.03 rejected', async () => {
    const f = await looked('signatures', facts({ state: 'registering', reportCount: 0, notificationCodes: [2, 2], events: [event('signatureFailure')] }), ahead);
    expect(clockSkew(f)).toEqual({
      branch: 'clock-skew',
      evidence: [
        { what: 'NMS device state', seen: 'registering (registrations answered: 1, reports: 0)' },
        { what: 'NMS events for the device', seen: 'registrationSuccess x0, signatureFailure x1, registrationRejected x0, firmwareGroupMismatch x0, up x0, down x0' },
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        { what: 'device clock (CurrentTime) minus NMS time', seen: '7200 s' },
        { what: 'GET 45 CGMSStats', seen: '2.05: sigOk -, sigBadAuth -, sigBadValidity 3, regFails 3' },
        { what: 'CGMSNotification code 2 (registration response rejected) from the device', seen: '2 time(s)' },
      ],
      cause:
        'The device clock is 7200 s ahead of the NMS, outside the SignatureValidity window (-600 s .. +3600 s): it rejects the signed registration response (sigBadValidity 3), the NMS logs signatureFailure (1085, Invalid CSMP Signature) and the device stays Registering.',
      fix: "Verify the certificate setup and that the device and IoT-FND are time synchronized: fix the device clock (NTP / time source, RTC) and check the FND host's own NTP sync.",
    });
  });

  it('inside the window, sigBadValidity with a rejected 2.03 still points at the clock', async () => {
    const p = probe({ 45: ok({ type: 45, fields: { sigBadValidity: 1 } }) });
    expect(clockSkew(await looked('signatures', facts({ notificationCodes: [2] }), p))!.cause).toBe(
      'The device clock is 3 s ahead of the NMS: it rejects the signed registration response (sigBadValidity 1), the NMS logs signatureFailure (1085, Invalid CSMP Signature) and the device stays Registering.',
    );
  });

  it('is nothing for a skewed clock when the NMS does not sign', async () => {
    expect(clockSkew(await looked('signatures', facts({ signing: false }), ahead))).toBeUndefined();
  });
});

import { describe, expect, it } from '@jest/globals';
import { registrationRefused, registrationStalled } from '../../../../../harness/nms/diagnosis/branches/registration.js';
import { event, facts, HEALTHY_SIGNATURES, HEALTHY_STATUS, looked, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

const REJECTED = 'Registration from [fd00::2]:46790 rejected with 4.03: unknown DeviceID 0A0027FFFE3B2AB3 (not in the inventory).';

describe('registrationRefused', () => {
  const refused = facts({ state: 'unheard', registrationCount: 0, reportCount: 0, events: [{ ...event('registrationRejected'), message: REJECTED, details: { code: '4.03' } }] });

  it('the NMS answered the /r with 4.03: pre-provision the EUI-64', async () => {
    expect(registrationRefused(await looked('nms', refused))).toEqual({
      branch: 'registration',
      evidence: [
        { what: 'NMS device state', seen: 'unheard (registrations answered: 0, reports: 0)' },
        { what: 'NMS events for the device', seen: 'registrationSuccess x0, signatureFailure x0, registrationRejected x1, firmwareGroupMismatch x0, up x0, down x0' },
        ...QUIET_NMS,
        { what: 'registration rejected by the NMS', seen: REJECTED },
      ],
      cause: `The NMS refuses the device's registration: ${REJECTED}`,
      fix: 'Pre-provision the device in the NMS inventory with its exact EUI-64 (16 hex digits), and make sure no other device uses the same DeviceID.',
    });
  });

  it('an undecodable /r (4.00) is a firmware defect', async () => {
    const undecodable = facts({ state: 'unheard', events: [{ ...event('registrationRejected'), details: { code: '4.00' } }] });
    expect(registrationRefused(await looked('nms', undecodable))!.fix).toBe(
      'Firmware defect: the device sends a registration that does not decode as CSMP TLVs; give the firmware team the pcap of its POST /r.',
    );
  });

  it('is nothing for a device that is up despite an earlier rejection', async () => {
    expect(registrationRefused(await looked('nms', { ...refused, state: 'up' }))).toBeUndefined();
  });
});

describe('registrationStalled', () => {
  it('registers, never reports, and the 2.03 carries CGMSSettings', async () => {
    const f = await looked('firmware', facts({ state: 'registering', reportCount: 0, notificationCodes: [2], cgmsSettingsInRegistration: true }));
    expect(registrationStalled(f)).toEqual({
      branch: 'registration',
      evidence: [
        { what: 'NMS device state', seen: 'registering (registrations answered: 1, reports: 0)' },
        SEEN.upEvents,
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        ...HEALTHY_SIGNATURES,
        { what: 'CGMSNotification code 2 (registration response rejected) from the device', seen: '1 time(s)' },
        SEEN.groups,
        SEEN.firmware,
      ],
      cause:
        'The device registers but never sends its first report: it does not apply the registration response (CGMSNotification code 2 x1); the 2.03 carries CGMSSettings (42), which csmp-agent-lib devices cannot apply (registration fails).',
      fix: "Turn off CGMSSettings in this device's registration response (off by default), then let it re-register.",
    });
  });

  it('registers, never reports, with a plain 2.03', async () => {
    const d = registrationStalled(await looked('firmware', facts({ state: 'registering', reportCount: 0 })))!;
    expect(d.cause).toBe('The device registers but never sends its first report: it does not apply the registration response.');
    expect(d.fix).toBe('Check that the 2.03 carries only TLVs the device can apply, with ReportSubscribe interval > 0, signed with the key the device trusts.');
  });

  it('never heard from and not answering: unreachable', async () => {
    const silent = probe({ 35: { ok: false, error: 'timeout' } });
    const d = registrationStalled(await looked('firmware', facts({ state: 'unheard', registrationCount: 0, reportCount: 0, events: [] }), silent))!;
    expect(d.cause).toBe('The NMS has never heard from the device and it does not answer GETs: it is not reachable (mesh/route) or not configured with this NMS address.');
    expect(d.fix).toBe(
      'Check the device joined the mesh (pingable over IPv6 from the NMS) and that its configured NMS address and port are this NMS (61628 for csmp-agent-lib, 61624 for meters).',
    );
  });

  it('down after reporting: none of the specific branches', async () => {
    const d = registrationStalled(await looked('firmware', facts({ state: 'down' })))!;
    expect(d.cause).toBe('The device is down and none of the specific branches matched.');
    expect(d.fix).toBe('Check that the device keeps reporting to this NMS address, and its mesh connectivity.');
  });

  it('is nothing for a device that is up', async () => {
    expect(registrationStalled(await looked('firmware', facts({ reportCount: 0, notificationCodes: [2] })))).toBeUndefined();
  });
});

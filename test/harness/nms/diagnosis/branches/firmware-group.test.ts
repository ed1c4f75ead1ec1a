import { describe, expect, it } from '@jest/globals';
import { firmwareGroup } from '../../../../../harness/nms/diagnosis/branches/firmware-group.js';
import { event, facts, HEALTHY_SIGNATURES, HEALTHY_STATUS, looked, meter, ok, probe, QUIET_NMS, SEEN } from '../scripted-facts.js';

describe('firmwareGroup', () => {
  it('GroupInfo type 2 id 243 where 317 is expected, GroupAssign sent and rejected', async () => {
    const f = await looked('groups', facts({ events: [event('firmwareGroupMismatch'), event('signatureFailure')] }), probe({ 58: ok({ type: 58, fields: { type: 2, id: 243 } }) }));
    expect(firmwareGroup(f)).toEqual({
      branch: 'firmware-group',
      evidence: [
        { what: 'NMS device state', seen: 'up (registrations answered: 1, reports: 3)' },
        { what: 'NMS events for the device', seen: 'registrationSuccess x0, signatureFailure x1, registrationRejected x0, firmwareGroupMismatch x1, up x0, down x0' },
        ...QUIET_NMS,
        ...HEALTHY_STATUS,
        SEEN.noConsole,
        ...HEALTHY_SIGNATURES,
        { what: 'GET 58 GroupInfo', seen: '2.05: type 2 id 243' },
      ],
      cause:
        'Running firmware group on the device is id=243 but must be id=317; the NMS sent GroupAssign 1 time(s) and the device did not apply it (it rejects the signed response: Invalid CSMP Signature).',
      fix: 'Let the device accept GroupAssign{type 2, id 317} (in the signed 2.03 or a signed unicast POST): fix whatever makes it reject signed messages, or move it to firmware group 317 in the NMS.',
    });
  });

  it('no firmware group reported; GET 58 failing falls back to the last /r', async () => {
    const lastRegistration = ok({ type: 58, fields: { type: 1, id: 42 } });
    const f = await looked('groups', facts({ ...(lastRegistration.ok ? { lastRegistration: lastRegistration.tlvs } : {}) }), probe({ 58: { ok: false, error: 'timeout' } }));
    expect(f.evidence[9]).toEqual({ what: 'GET 58 GroupInfo', seen: 'timeout; from last /r: type 1 id 42' });
    expect(firmwareGroup(f)!.cause).toBe('Running firmware group on the device is not reported but must be id=317.');
  });

  it('concludes nothing when GET 58 goes unanswered and no registration was seen (a device found registered to an earlier NMS)', async () => {
    const f = await looked('groups', facts({ state: 'up', registrationCount: 0 }), probe({ 58: { ok: false, error: 'timeout' } }));
    expect(f.evidence[f.evidence.length - 1]).toEqual({ what: 'GET 58 GroupInfo', seen: 'timeout; no registration of it seen and no GroupInfo read either: groups unknown' });
    expect(firmwareGroup(f)).toBeUndefined();
  });

  it('a device found registered to an earlier NMS: GET 58 unanswered now, the groups an earlier GET read decide (with their source)', async () => {
    const read = ok({ type: 58, fields: { type: 1, id: 42 } }, { type: 58, fields: { type: 2, id: 243 } });
    const at = Date.parse('2024-05-27T20:01:00Z');
    const f = await looked('groups', facts({ state: 'up', registrationCount: 0, ...(read.ok ? { groupInfo: { tlvs: read.tlvs, source: 'GET' as const, at } } : {}) }), probe({ 58: { ok: false, error: 'timeout' } }));
    expect(f.evidence[0]).toEqual({ what: 'NMS device state', seen: 'up (registrations answered: 0, reports: 3; groups type 1 id 42, type 2 id 243 from GET at 2024-05-27T20:01:00.000Z)' });
    expect(f.evidence[f.evidence.length - 1]).toEqual({ what: 'GET 58 GroupInfo', seen: 'timeout; from GET at 2024-05-27T20:01:00.000Z: type 1 id 42, type 2 id 243' });
    expect(firmwareGroup(f)?.branch).toBe('firmware-group');
  });

  it('is nothing when the group matches an expectation given as text, whatever the configuration group', async () => {
    const asText = facts({ device: { ...meter, expected: { firmwareGroup: '317', configGroup: 42 } } });
    expect(firmwareGroup(await looked('groups', asText, probe({ 58: ok({ type: 58, fields: { type: 2, id: 317 } }, { type: 58, fields: { type: 1, id: 5 } }) })))).toBeUndefined();
  });
});

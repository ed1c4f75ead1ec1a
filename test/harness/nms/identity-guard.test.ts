/**
 * After a link comes back, the guard asks each of its devices for its DeviceID through the real NMS
 * client, and refuses one whose EUI-64 is not the rig's. The device side is scripted CoAP over a
 * memory link; the link going down and up again is the MemoryLink's own close/open.
 */
import { once } from 'node:events';
import { buildPayload } from '../../../harness/csmp/payload.js';
import { deviceIdReader, IdentityGuard, type IdentityVerdict } from '../../../harness/nms/identity-guard.js';
import { EUI, flush, makeRig, type Rig } from './scripted-device.js';

describe('IdentityGuard', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await makeRig();
  });
  afterEach(() => rig.stop());

  const answerId = (eui: string) => rig.answer(() => ({ code: '2.05', payload: buildPayload([{ type: 2, fields: { type: 1, id: eui } }], { lengthStyle: 'agent' }) }));
  const guard = () => new IdentityGuard([{ name: 'meter1', eui64: '0a:00:27:ff:fe:3b:2a:b2', link: 'nms' }], deviceIdReader(rig.nms.client, 1000));

  test('a reconnect with the same radio confirms it; another EUI-64 is refused and stays refused', async () => {
    const g = guard();
    const verdicts: IdentityVerdict[] = [];
    const refused: IdentityVerdict[] = [];
    g.on('verdict', (v: IdentityVerdict) => verdicts.push(v));
    g.on('refused', (v: IdentityVerdict) => refused.push(v));
    g.watch('nms', rig.nmsLink);

    answerId(EUI);
    let settled = once(g, 'verdict');
    await rig.nmsLink.close();
    await rig.nmsLink.open();
    await settled;
    expect(verdicts[0]).toEqual({ device: 'meter1', outcome: 'same', expected: EUI, got: EUI, message: `meter1: DeviceID ${EUI} as the rig says` });
    expect(rig.served.map((r) => r.uriQuery)).toEqual([['q=2']]);

    answerId('00173BFFFE000099');
    settled = once(g, 'verdict');
    await rig.nmsLink.close();
    await rig.nmsLink.open();
    await settled;
    const changed = {
      device: 'meter1',
      outcome: 'changed',
      expected: EUI,
      got: '00173BFFFE000099',
      message: `meter1: refused: DeviceID 00173BFFFE000099 answers where the rig says ${EUI}: another device came back on link nms`,
    };
    expect(verdicts[1]).toEqual(changed);
    expect(refused).toEqual([changed]);
    expect(g.refusal('meter1')).toEqual(changed);

    // The right radio answering later does not lift the refusal: the bench changed under the run.
    answerId(EUI);
    expect((await g.check('meter1')).outcome).toBe('same');
    expect(g.refusal('meter1')).toEqual(changed);
    g.stop();
  });

  test('silence is not a refusal', async () => {
    const g = guard();
    rig.answer(() => undefined);
    const pending = g.check('meter1');
    await flush();
    rig.clock.advance(1000);
    expect(await pending).toEqual({ device: 'meter1', outcome: 'unanswered', expected: EUI, message: 'meter1: did not tell its DeviceID; identity not confirmed' });
    expect(g.refusal('meter1')).toBeUndefined();
  });
});

/** Faulty models chosen in the rig file reach the meters behind the pty, and show on the wire. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCoap } from '../../../harness/coap/message.js';
import { decodeTlvs } from '../../../harness/csmp/tlv.js';
import { expectDecodeError } from '../../support/errors.js';
import { loadRig } from '../../../harness/config/rig.js';
import { VirtualRig } from '../../../rigs/virtual/rig.js';
import { MiniNms } from './support/mini-nms.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;

describe('faulty models from the rig file, over the radio', () => {
  let dir: string;
  let sim: VirtualRig;
  let nms: MiniNms;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vflt-'));
    const rig = await loadRig(RIG_FILE);
    rig.virtual = {
      ...rig.virtual,
      // Slow registration retries keep the line quiet for these exchanges.
      defaults: { regInterval: { min: 3000, max: 6000 } },
      meters: [
        { name: 'meter-1', nms: 'vip' },
        { name: 'meter-2', faults: ['reply-to-nms-address'] },
        { name: 'meter-3', faults: ['malformed-tlvs'] },
        { name: 'meter-4', faults: ['drop-every-nth'], faultOptions: { dropEvery: 2 } },
      ],
    };
    sim = await VirtualRig.start(rig, join(dir, 'run'));
    nms = await MiniNms.open(sim.describe().dongle, join(dir, 'locks'), () => sim.clock.now());
  });
  afterAll(async () => {
    await nms?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('meter configured with the VIP: CON answered to FND, NON a= answered at the VIP', async () => {
    const ack = await nms.request('fd00:77::101', { code: '0.01', uriPath: ['c', '22'] });
    expect(ack.code).toBe('2.05');
    nms.send({ address: 'fd00:77::101', port: 61628 }, { type: 'NON', code: '0.01', messageId: 0x77, uriPath: ['c', '22'], uriQuery: ['a=1'] }, { address: 'fd00::1', port: 50001 });
    const later = await nms.next((s) => s.d.src === 'fd00:77::101' && s.msg?.code === '0.02', 5000, 'asynchronous answer');
    expect([later.d.dst, later.d.dstPort]).toEqual(['fd00::2', 61628]);
  });

  test('reply-to-nms-address: the ACK goes to FND:61628, not to the requesting port', async () => {
    nms.send({ address: 'fd00:77::102', port: 61628 }, { type: 'CON', code: '0.01', messageId: 0x78, uriPath: ['c', '2'] }, { address: 'fd00::1', port: 50002 });
    const ack = await nms.next((s) => s.d.src === 'fd00:77::102' && s.msg?.messageId === 0x78, 5000, 'misdirected ACK');
    expect([ack.d.dst, ack.d.dstPort]).toEqual(['fd00::1', 61628]);
  });

  test('malformed-tlvs: answers whose last TLV overruns the payload', async () => {
    const ack = await nms.request('fd00:77::103', { code: '0.01', uriPath: ['c', '22'] });
    expectDecodeError(() => decodeTlvs(ack.payload), { layer: 'tlv', code: 'truncated' });
  });

  test('drop-every-nth (2): every second request in is lost', async () => {
    const answered: boolean[] = [];
    for (let mid = 0x90; mid < 0x94; mid++) {
      nms.sendRaw({ address: 'fd00:77::104', port: 61628 }, encodeCoap({ type: 'CON', code: '0.01', messageId: mid, uriPath: ['c', '2'] }));
      answered.push(await nms.next((s) => s.d.src === 'fd00:77::104' && s.msg?.messageId === mid, 400, `ACK ${mid}`).then(() => true, () => false));
    }
    expect(answered.filter((x) => x).length).toBe(2);
    expect(answered[0]).not.toBe(answered[1]);
  });
});

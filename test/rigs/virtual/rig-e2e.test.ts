import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadRig, type Rig } from '../../../harness/config/rig.js';
import { decodeTlvs } from '../../../harness/csmp/tlv.js';
import { decodeValue } from '../../../harness/csmp/value.js';
import { VirtualRig } from '../../../rigs/virtual/rig.js';
import { fields } from './support/agent-bench.js';
import { fromMeter, MiniNms, rigKey } from './support/mini-nms.js';
import { signed, tlvBytes } from './support/nms-signer.js';
import { hexBytes } from '../../support/hex.js';
import { REGISTER_PAYLOAD } from '../../support/register-vector.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;
const M1 = 'fd00:77::101';

describe('virtual rig end to end: real pty, SLIP, IPv6/UDP', () => {
  let dir: string;
  let rig: Rig;
  let sim: VirtualRig;
  let nms: MiniNms;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hil-vrig-'));
    rig = await loadRig(RIG_FILE);
    sim = await VirtualRig.start(rig, join(dir, 'run'));
    nms = await MiniNms.open(sim.describe().dongle, join(dir, 'locks'), () => sim.clock.now());
  });

  afterAll(async () => {
    await nms?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the dongle path is a symlink in runDir and resolveRig points the link at it', () => {
    const path = sim.describe().dongle;
    expect(path).toBe(join(dir, 'run', 'dongle0'));
    expect(lstatSync(path).isSymbolicLink()).toBe(true);
    const link = sim.resolveRig(rig).links[0]!;
    expect(link.kind === 'slip' && link.path).toBe(path);
  });

  test('a meter registers, a signed 2.03 is verified, reports arrive on schedule, every advertised TLV decodes', async () => {
    const reg = await nms.next(fromMeter(M1, 'r'), 10_000, '/r from meter-1');
    expect(reg.msg!.type).toBe('CON');
    const tlvs = decodeTlvs(reg.msg!.payload);
    // Frame 1 of csmp_register.pcap, type by type; this meter adds HEAD's GroupInfo rows (it is
    // in groups 42 and 317) and has three firmware slots.
    const ref = decodeTlvs(hexBytes(REGISTER_PAYLOAD));
    const collapse = (types: number[]) => types.filter((t, i) => t !== 58 && (t !== 75 || types[i - 1] !== 75));
    expect(collapse(tlvs.map((t) => t.type))).toEqual(collapse(ref.map((t) => t.type)));
    expect(tlvs.filter((t) => t.type === 58).map((t) => decodeValue(t).value)).toEqual([{ type: 1, id: 42 }, { type: 2, id: 317 }]);
    expect(tlvs[0]!.type).toBe(2);
    expect(decodeValue(tlvs[0]!).value).toEqual({ type: 1, id: '00173BFFFE000001' });
    expect(tlvs.every((t) => t.lengthBytes === 2)).toBe(true);
    // Device time and the rig clock agree (no skew configured), give or take the transit time
    // of a 900-byte frame at 115200 baud (~80 ms real, ~5 device seconds at timeScale 60).
    const posix = decodeValue(tlvs[1]!).value!['posix'] as number;
    expect(posix).toBeLessThanOrEqual(Math.ceil(reg.clockAt / 1000));
    expect(posix).toBeGreaterThan(reg.clockAt / 1000 - 15);

    const body = signed(
      tlvBytes([
        { type: 13, fields: { interval: 60, tlvid: ['22'] } },
        { type: 7, fields: { id: 'S1' } },
      ]),
      rigKey(),
      Math.floor(sim.clock.now() / 1000),
    );
    nms.send({ address: M1, port: reg.d.srcPort }, { type: 'ACK', code: '2.03', messageId: reg.msg!.messageId, payload: body });

    // How late this process ran its callbacks meanwhile: a late-delivered report on a starved host
    // is the host's doing, not a wrong time scale.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const first = await nms.next(fromMeter(M1, 'c'), 5_000, 'first report');
    expect(first.msg!.type).toBe('NON');
    expect(fields(first.msg!.payload).map((t) => t.type)).toEqual([7, 18, 22]);
    const second = await nms.next(fromMeter(M1, 'c'), 10_000, 'second report');
    const t1 = fields(first.msg!.payload)[1]!.value!['posix'] as number;
    const t2 = fields(second.msg!.payload)[1]!.value!['posix'] as number;
    // Trickle with both bounds 60 s: the second report lands in (30, 120) device seconds.
    expect(t2 - t1).toBeGreaterThanOrEqual(30);
    expect(t2 - t1).toBeLessThanOrEqual(120);
    // ... which at timeScale 60 is about (t2 - t1) / 60 real seconds, give or take frames of the
    // other meters queued ahead on the 115200-baud line (~80 ms each).
    lag.disable();
    const realS = (second.at - first.at) / 1000;
    expect(realS).toBeGreaterThan((t2 - t1 - 2) / 60 - 0.4);
    expect(realS).toBeLessThan((t2 - t1 + 2) / 60 + 0.5 + lag.max / 1e9);

    const index = await nms.request(M1, { code: '0.01', uriPath: ['c'] });
    const ids = fields(index.payload)[0]!.value!['tlvid'] as string[];
    expect(ids.length).toBe(21);
    for (const id of [...ids, '45']) {
      const ack = await nms.request(M1, { code: '0.01', uriPath: ['c'], uriQuery: [`q=${id}`] });
      expect(ack.code).toBe('2.05');
      for (const t of decodeTlvs(ack.payload)) {
        expect(t.type).toBe(Number(id));
        const v = decodeValue(t);
        expect(v.error).toBeUndefined();
        expect(v.value).toBeDefined();
      }
    }
    const stats = fields((await nms.request(M1, { code: '0.01', uriPath: ['c', '45'] })).payload)[0]!.value!;
    expect(stats['sigOk']).toBe(1);
    expect(stats['regSucceed']).toBe(1);
  });

  test('stop() leaves nothing behind', async () => {
    const path = sim.describe().dongle;
    await nms.close();
    await sim.stop();
    expect(existsSync(path)).toBe(false);
    await sim.stop(); // twice is fine
  });
});

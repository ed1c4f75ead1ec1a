import { describe, expect, test } from '@jest/globals';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { RawSendUnsupportedError } from '../../../drivers/link/errors.js';
import type { Datagram, LinkFrame } from '../../../drivers/link/types.js';
import { Firewall } from '../../../harness/nms/firewall.js';
import { MemoryLink } from '../../support/memory-link.js';
import { MeshLink } from '../steps/support/memory-bench.js';

describe('FirewalledLink and raw packets', () => {
  test('a raw packet passes to the inner link even where the NMS datagrams are dropped', async () => {
    const mesh = new MeshLink();
    const heard: Datagram[] = [];
    mesh.attach('fd00:77::101', (d) => heard.push(d));
    const fw = new Firewall(61628);
    const wrapped = fw.wrap(mesh);
    const out: string[] = [];
    wrapped.on('frame', (f: LinkFrame) => out.push(`${f.direction} ${f.ipv6.length}`));
    fw.dropOutbound('fd00:77::101');
    const d: Datagram = { src: 'fd00::1', dst: 'fd00:77::101', srcPort: 62590, dstPort: 61628, payload: Uint8Array.from([1, 2, 3]) };
    wrapped.send(d);
    wrapped.sendRaw(buildUdpPacket(d));
    await new Promise<void>((r) => queueMicrotask(r));
    expect(out).toEqual(['out 51']);
    expect(heard).toEqual([d]);
    expect(fw.stateFor('fd00:77::101')).toMatchObject({ outbound: true, droppedOutbound: 1 });
  });

  test("the inner link's refusal comes through unchanged", () => {
    const [inner] = MemoryLink.pair(['nms', 'mesh']);
    const wrapped = new Firewall(61628).wrap(inner);
    expect(() => wrapped.sendRaw(Uint8Array.from([0x60]))).toThrow(RawSendUnsupportedError);
    expect(() => wrapped.sendRaw(Uint8Array.from([0x60]))).toThrow('nms: cannot send a raw IPv6 packet: an in-memory pair carries datagrams, not IPv6 packets');
    expect(inner.sent).toEqual([]);
  });
});

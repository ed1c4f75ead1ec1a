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

  test("listens for the inner link's frames only while someone listens here (a UDP link builds each frame's packet only for a listener)", () => {
    const [inner] = MemoryLink.pair(['nms', 'mesh']);
    const wrapped = new Firewall(61628).wrap(inner);
    expect(inner.listenerCount('frame')).toBe(0);
    const seen: unknown[] = [];
    const a = (f: unknown): void => void seen.push(['a', f]);
    const b = (f: unknown): void => void seen.push(['b', f]);
    wrapped.on('frame', a);
    wrapped.on('frame', b);
    expect(inner.listenerCount('frame')).toBe(1);
    inner.emit('frame', 1);
    wrapped.off('frame', a);
    expect(inner.listenerCount('frame')).toBe(1);
    inner.emit('frame', 2);
    wrapped.off('frame', b);
    expect(inner.listenerCount('frame')).toBe(0);
    inner.emit('frame', 3);
    expect(seen).toEqual([['a', 1], ['b', 1], ['b', 2]]);
    wrapped.on('frame', a);
    wrapped.detach();
    expect(inner.listenerCount('frame')).toBe(0);
  });
});

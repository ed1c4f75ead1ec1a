import { buildUdpPacket, parseUdpPacket } from '../../../drivers/ip/packet.js';
import { RawSendUnsupportedError } from '../../../drivers/link/errors.js';
import type { Datagram, LinkFrame } from '../../../drivers/link/types.js';
import { UdpLink } from '../../../drivers/udp/udp-link.js';
import { expectResourceRejection } from '../../support/errors.js';
import { next } from '../support/helpers.js';

describe('UdpLink on ::1', () => {
  let agent: UdpLink;
  let fnd: UdpLink;
  beforeEach(async () => {
    agent = new UdpLink({ name: 'agent', bind: [{ address: '::1', port: 0 }] });
    fnd = new UdpLink({ name: 'fnd', bind: [{ address: '::1', port: 0 }] });
    await agent.open();
    await fnd.open();
  });
  afterEach(async () => {
    await agent.close();
    await fnd.close();
  });

  test('datagrams both ways, a lazily bound ephemeral source port, and frames with correct checksums', async () => {
    const [agentPort] = agent.boundPorts;
    const [fndPort] = fnd.boundPorts;
    const frames: LinkFrame[] = [];
    fnd.on('frame', (f: LinkFrame) => frames.push(f));

    // An NMS GET from its own ephemeral port (0 = pick one): the socket is opened on first use.
    const atAgent = next<Datagram>(agent, 'datagram');
    fnd.send({ src: '::1', dst: '::1', srcPort: 0, dstPort: agentPort!, payload: Buffer.from('GET') });
    const req = await atAgent;
    expect([req.src, req.dst, req.dstPort, Buffer.from(req.payload).toString()]).toEqual(['::1', '::1', agentPort, 'GET']);
    expect(req.srcPort).not.toBe(fndPort);
    expect(req.srcPort).toBeGreaterThan(0);

    // The answer goes back to that port and arrives on the lazily opened socket.
    const atFnd = next<Datagram>(fnd, 'datagram');
    agent.send({ src: '::1', dst: req.src, srcPort: agentPort!, dstPort: req.srcPort, payload: Buffer.from('2.05') });
    const resp = await atFnd;
    expect([resp.src, resp.srcPort, resp.dst, resp.dstPort, Buffer.from(resp.payload).toString()]).toEqual(['::1', agentPort, '::1', req.srcPort, '2.05']);

    // Frames as a SLIP link would show them: the real ports, hop limit 64, valid checksums.
    expect(frames.map((f) => {
      const { ip, udp } = parseUdpPacket(f.ipv6);
      return [f.direction, ip.hopLimit, udp.srcPort, udp.dstPort, udp.checksumOk, Buffer.from(udp.payload).toString()];
    })).toEqual([
      ['out', 64, req.srcPort, agentPort, true, 'GET'],
      ['in', 64, agentPort, req.srcPort, true, '2.05'],
    ]);
  });

  test('a send from an explicit source port opens a socket bound to it', async () => {
    const probe = new UdpLink({ bind: [{ address: '::1', port: 0 }] });
    await probe.open();
    const [port] = probe.boundPorts;
    await probe.close(); // frees a port number we know
    const got = next<Datagram>(agent, 'datagram');
    fnd.send({ src: '::1', dst: '::1', srcPort: port!, dstPort: agent.boundPorts[0]!, payload: Buffer.from('x') });
    expect((await got).srcPort).toBe(port);
  });

  test('a port already bound is a ResourceError at open(); bad config is a TypeError naming the option', async () => {
    const clash = new UdpLink({ bind: [{ address: '::1', port: agent.boundPorts[0]! }] });
    await expectResourceRejection(clash.open(), { resource: `udp [::1]:${agent.boundPorts[0]!}`, code: 'busy' });
    expect(() => new UdpLink({ bind: [] })).toThrow(/"bind"/);
    expect(() => new UdpLink({ bind: [{ address: 'localhost', port: 1 }] })).toThrow(/"bind\[0\]\.address"/);
    expect(() => new UdpLink({ bind: [{ address: '::1', port: 70000 }] })).toThrow(/"bind\[0\]\.port"/);
  });

  test('a raw IPv6 packet is refused with a typed error: the kernel writes the headers, nothing goes out', async () => {
    const frames: LinkFrame[] = [];
    fnd.on('frame', (f: LinkFrame) => frames.push(f));
    const packet = buildUdpPacket({ src: '::1', dst: '::1', srcPort: fnd.boundPorts[0]!, dstPort: agent.boundPorts[0]!, payload: Buffer.from('raw') });
    let refused: unknown;
    try {
      fnd.sendRaw(packet);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(RawSendUnsupportedError);
    expect((refused as RawSendUnsupportedError).message).toBe(
      'fnd: cannot send a raw IPv6 packet: a UDP link sends through kernel sockets, which write the IPv6 and UDP headers themselves',
    );
    expect(frames).toEqual([]);
    expect(fnd.drops.snapshot()).toEqual({});
  });
});

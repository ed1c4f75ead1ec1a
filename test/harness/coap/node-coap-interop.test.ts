/**
 * The harness's CoAP endpoint on its UDP link against an independent CoAP implementation,
 * node-coap, over real loopback UDP sockets: CON and NON both ways, piggybacked ACKs, RST, and
 * RFC 7252 retransmission and deduplication on each side. Loss is injected by a thin wrapper around
 * the real UdpLink that drops chosen datagrams, so the retransmissions are real ones.
 */
import { EventEmitter } from 'node:events';
import * as coap from 'coap';
import { CoapEndpoint } from '../../../harness/coap/endpoint.js';
import type { CoapMessage } from '../../../harness/coap/message.js';
import type { Datagram, Link } from '../../../drivers/link/types.js';
import { UdpLink } from '../../../drivers/udp/udp-link.js';

/** The real UdpLink, with a hook to lose datagrams in either direction (RFC 7252's lossy network). */
class LossyLink extends EventEmitter implements Link {
  loseOut: (d: Datagram) => boolean = () => false;
  loseIn: (d: Datagram) => boolean = () => false;
  readonly sent: Datagram[] = [];
  readonly received: Datagram[] = [];
  constructor(readonly inner: UdpLink) {
    super();
    inner.on('datagram', (d: Datagram) => {
      this.received.push(d);
      if (!this.loseIn(d)) this.emit('datagram', d);
    });
  }
  get name(): string {
    return this.inner.name;
  }
  get drops() {
    return this.inner.drops;
  }
  open(): Promise<void> {
    return this.inner.open();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  send(d: Datagram): void {
    this.sent.push(d);
    if (!this.loseOut(d)) this.inner.send(d);
  }
  sendRaw(ipv6: Uint8Array): void {
    this.inner.sendRaw(ipv6);
  }
}

const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString();
const typeOf = (payload: Uint8Array): string => ['CON', 'NON', 'ACK', 'RST'][(payload[0]! >> 4) & 0x3]!;
const midOf = (payload: Uint8Array): number => (payload[2]! << 8) | payload[3]!;

interface NodeCoapResult {
  code: string;
  payload: string;
}

function nodeCoapRequest(params: coap.CoapRequestParams, agent: coap.Agent): Promise<NodeCoapResult> {
  return new Promise((resolve, reject) => {
    const req = coap.request({ ...params, agent });
    req.on('response', (res: coap.IncomingMessage) => resolve({ code: res.code, payload: res.payload.toString() }));
    req.on('error', reject);
    req.on('timeout', reject);
    req.end();
  });
}

describe('CoapEndpoint with node-coap over real UDP on ::1', () => {
  let link: LossyLink;
  let endpoint: CoapEndpoint;
  let server: coap.Server;
  let serverPort: number;
  let agent: coap.Agent;
  const served: { method: string; url: string; confirmable: boolean }[] = [];

  beforeAll(async () => {
    // node-coap's ACK timeout of 2-3 s made 1 s: the retransmission test waits on it. (Shorter, a
    // loaded CI machine answering late would see retransmissions nobody asked for.)
    coap.updateTiming({ ackTimeout: 1, ackRandomFactor: 1, maxRetransmit: 4 });
    link = new LossyLink(new UdpLink({ name: 'harness', bind: [{ address: '::1', port: 0 }] }));
    await link.open();
    endpoint = new CoapEndpoint({ link, address: '::1', port: link.inner.boundPorts[0]!, firstMessageId: 0x1200 });
    server = coap.createServer({ type: 'udp6' }, (req, res) => {
      served.push({ method: req.method, url: req.url, confirmable: (req as unknown as { _packet: { confirmable: boolean } })._packet.confirmable });
      res.code = req.method === 'GET' ? '2.05' : '2.04';
      res.end(`node-coap saw ${req.method} ${req.url}`);
    });
    await new Promise<void>((res) => server.listen(0, '::1', () => res()));
    serverPort = (server as unknown as { _sock: { address(): { port: number } } })._sock.address().port;
    agent = new coap.Agent({ type: 'udp6' });
  });

  afterAll(async () => {
    endpoint.close();
    await link.close();
    await new Promise<void>((res) => server.close(() => res()));
    agent.close();
    coap.globalAgent.close();
    coap.globalAgentIPv6.close();
    coap.updateTiming({ ackTimeout: 2, ackRandomFactor: 1.5, maxRetransmit: 4 });
  });

  beforeEach(() => {
    served.length = 0;
    link.sent.length = 0;
    link.received.length = 0;
    link.loseOut = () => false;
    link.loseIn = () => false;
    endpoint.onRequest(() => ({ code: '4.04' }));
  });

  test('harness CON GET → node-coap server: one piggybacked ACK 2.05 with the same Message ID', async () => {
    const mid = endpoint.peekMessageId();
    const ack = await endpoint.request({ address: '::1', port: serverPort }, { method: 'GET', uriPath: ['c'], uriQuery: ['q=2'] }, { timeoutMs: 5000 });
    expect([ack.type, ack.code, ack.messageId, text(ack.payload)]).toEqual(['ACK', '2.05', mid, 'node-coap saw GET /c?q=2']);
    expect(served).toEqual([{ method: 'GET', url: '/c?q=2', confirmable: true }]);
  });

  test('harness NON POST → node-coap server: a NON 2.04 comes back as a response of its own, with our token', async () => {
    const response = new Promise<CoapMessage>((res) => endpoint.once('response', (m: CoapMessage) => res(m)));
    const sent = await endpoint.request({ address: '::1', port: serverPort }, { method: 'POST', uriPath: ['c'], confirmable: false, token: Uint8Array.of(0x5a, 0xa5) });
    const m = await response;
    expect([m.type, m.code, Buffer.from(m.token).toString('hex'), text(m.payload)]).toEqual(['NON', '2.04', '5aa5', 'node-coap saw POST /c']);
    expect(sent.type).toBe('NON');
    expect(served).toEqual([{ method: 'POST', url: '/c', confirmable: false }]);
  });

  test('node-coap CON and NON requests → harness server: piggybacked ACK, and a NON answer to a NON', async () => {
    const seen: string[] = [];
    endpoint.onRequest((req) => {
      seen.push(`${req.type} ${req.code} /${req.uriPath.join('/')}?${req.uriQuery.join('&')}`);
      return { code: '2.05', payload: Buffer.from(`harness answers ${req.type}`) };
    });
    const port = link.inner.boundPorts[0]!;
    expect(await nodeCoapRequest({ hostname: '::1', port, pathname: '/c', query: 'q=75', method: 'GET', confirmable: true }, agent)).toEqual({ code: '2.05', payload: 'harness answers CON' });
    expect(await nodeCoapRequest({ hostname: '::1', port, pathname: '/c', query: 'q=2', method: 'GET', confirmable: false }, agent)).toEqual({ code: '2.05', payload: 'harness answers NON' });
    expect(seen).toEqual(['CON 0.01 /c?q=75', 'NON 0.01 /c?q=2']);
    expect([...new Set(link.sent.map((d) => typeOf(d.payload)))]).toEqual(['ACK', 'NON']);
  });

  test('node-coap retransmits when our ACK is lost; the harness answers the duplicate from its cache, the handler runs once', async () => {
    let calls = 0;
    endpoint.onRequest(() => {
      calls++;
      return { code: '2.05', payload: Buffer.from('once') };
    });
    let lost = 0;
    link.loseOut = () => lost++ === 0;
    const duplicates: CoapMessage[] = [];
    endpoint.on('duplicate', (m: CoapMessage) => duplicates.push(m));
    const got = await nodeCoapRequest({ hostname: '::1', port: link.inner.boundPorts[0]!, pathname: '/c', query: 'q=45', confirmable: true }, agent);
    endpoint.removeAllListeners('duplicate');
    expect(got).toEqual({ code: '2.05', payload: 'once' });
    expect(calls).toBe(1);
    expect(duplicates.length).toBeGreaterThanOrEqual(1);
    expect(duplicates.every((m) => m.type === 'CON')).toBe(true);
    // The same CON again (same Message ID), and the same ACK bytes again (the first one lost).
    const mid = midOf(link.received[0]!.payload);
    expect(link.received.length).toBeGreaterThanOrEqual(2);
    expect(link.received.map((d) => [typeOf(d.payload), midOf(d.payload)])).toEqual(link.received.map(() => ['CON', mid]));
    expect(link.sent.length).toBe(link.received.length);
    for (const d of link.sent) expect(Buffer.from(d.payload)).toEqual(Buffer.from(link.sent[0]!.payload));
  });

  test('the harness retransmits when node-coap\'s ACK is lost; node-coap answers the duplicate from its cache', async () => {
    let lost = 0;
    link.loseIn = () => lost++ === 0;
    const mid = endpoint.peekMessageId();
    const ack = await endpoint.request(
      { address: '::1', port: serverPort },
      { method: 'GET', uriPath: ['c'], uriQuery: ['q=22'] },
      { timeoutMs: 5000, retransmit: { count: 3, ackTimeoutMs: 300 } },
    );
    expect([ack.type, ack.code, ack.messageId, text(ack.payload)]).toEqual(['ACK', '2.05', mid, 'node-coap saw GET /c?q=22']);
    expect(served).toHaveLength(1);
    // Retransmitted byte for byte (a loaded machine may need a third try); every ACK node-coap sent is for our one MID.
    expect(link.sent.length).toBeGreaterThanOrEqual(2);
    expect(link.sent.map((d) => [typeOf(d.payload), midOf(d.payload)])).toEqual(link.sent.map(() => ['CON', mid]));
    for (const d of link.sent) expect(Buffer.from(d.payload)).toEqual(Buffer.from(link.sent[0]!.payload));
    expect(link.received.slice(0, 2).map((d) => [typeOf(d.payload), midOf(d.payload)])).toEqual([
      ['ACK', mid],
      ['ACK', mid],
    ]);
  });

  test('RST both ways: node-coap resets a response it never asked for; the harness resets a request it will not serve', async () => {
    // While node-coap's request is in flight its agent listens; a CON response it has no request for
    // (unknown token and Message ID) is reset (RFC 7252 4.2). The harness counts the stray RST.
    const before = endpoint.drops.get('unmatched reset');
    endpoint.onRequest(async (_req, from) => {
      const rst = new Promise<Datagram>((res) => {
        const on = (d: Datagram) => {
          if (typeOf(d.payload) === 'RST') {
            link.inner.off('datagram', on);
            res(d);
          }
        };
        link.inner.on('datagram', on);
      });
      endpoint.sendMessage({ address: from.address, port: from.port }, { type: 'CON', code: '2.05', messageId: 0x4242, token: Uint8Array.of(0xde, 0xad), payload: Buffer.from('stray') });
      const d = await rst;
      return { code: '2.05', payload: Buffer.from(`reset ${midOf(d.payload).toString(16)}, ${d.payload.length} bytes`) };
    });
    const port = link.inner.boundPorts[0]!;
    expect(await nodeCoapRequest({ hostname: '::1', port, pathname: '/c', confirmable: true }, agent)).toEqual({ code: '2.05', payload: 'reset 4242, 4 bytes' });
    expect(endpoint.drops.get('unmatched reset')).toBe(before + 1);

    // The harness answers a CON with RST: node-coap hands it to the caller as a 0.00 message.
    endpoint.onRequest(() => ({ code: '0.00', reset: true }));
    link.sent.length = 0;
    const outcome = await nodeCoapRequest({ hostname: '::1', port, pathname: '/c', confirmable: true }, agent).then(
      (r) => `response ${r.code}`,
      (e: Error) => `error ${e.message}`,
    );
    expect(link.sent.map((d) => typeOf(d.payload))).toEqual(['RST']);
    expect(outcome).toBe('response 0.00');
  });
});

import { jest } from '@jest/globals';
import { once } from 'node:events';
import type { Datagram } from '../../../drivers/link/types.js';
import { CoapEndpoint, type CoapEndpointOptions, type EndpointDrop } from '../../../harness/coap/endpoint.js';
import { CoapClosedError, CoapResetError, CoapTimeoutError } from '../../../harness/coap/errors.js';
import { decodeCoap, type CoapMessage } from '../../../harness/coap/message.js';
import { MemoryLink } from '../../support/memory-link.js';
import { FakeClock } from '../../support/fake-clock.js';
import { hexBytes } from '../../support/hex.js';
import { toHex } from '../../../core/bytes.js';

const FND = { address: '2018::2', port: 61628 };
const VIP = '2018::100';
const DEVICE = { address: '2018::188', port: 61628 };
const DEVICE_CLIENT = { address: '2018::188', port: 46790 };

/** The harness side: an NMS endpoint on link `nms`; the device side is `dev` (raw, or an endpoint). */
function rig(opts: Partial<CoapEndpointOptions> = {}) {
  const [nmsLink, devLink] = MemoryLink.pair(['nms', 'dev']);
  const clock = new FakeClock();
  const nms = new CoapEndpoint({ link: nmsLink, address: FND.address, port: FND.port, clock, firstMessageId: 1, ...opts });
  return { nmsLink, devLink, clock, nms };
}

function nextDatagram(link: MemoryLink): Promise<Datagram> {
  return once(link, 'datagram').then(([d]) => d as Datagram);
}

/** Sends raw bytes as the device would, from `from` to the NMS. */
function deviceSends(devLink: MemoryLink, bytes: string | Uint8Array, from = DEVICE_CLIENT, to = FND): void {
  devLink.send({ src: from.address, dst: to.address, srcPort: from.port, dstPort: to.port, payload: typeof bytes === 'string' ? hexBytes(bytes) : bytes });
}

/** Lets queued microtasks (link deliveries, handler promises) run; no timers involved. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('CoapEndpoint as client', () => {
  test('CON GET with FND-style token: exact bytes out, piggybacked ACK matched by MID and peer', async () => {
    const { nms, devLink } = rig({ token: 'mid-low-byte' });
    const arrived = nextDatagram(devLink);
    const answer = nms.request(DEVICE, { method: 'GET', uriPath: ['c'], uriQuery: ['q=2'] });
    const req = await arrived;
    expect(req).toMatchObject({ src: FND.address, dst: DEVICE.address, srcPort: FND.port, dstPort: DEVICE.port });
    expect(toHex(req.payload, ' ')).toBe('41 01 00 01 01 b1 63 43 71 3d 32');

    // Same MID from another port of the device is not the answer; the right peer's is.
    devLink.send({ src: DEVICE.address, dst: FND.address, srcPort: 9999, dstPort: FND.port, payload: hexBytes('61 45 00 01 01') });
    devLink.send({ src: DEVICE.address, dst: FND.address, srcPort: DEVICE.port, dstPort: FND.port, payload: hexBytes('61 45 00 01 01 ff 02 94 00 08 01') });
    const ack = await answer;
    expect([ack.type, ack.code, ack.messageId, toHex(ack.token, ' '), toHex(ack.payload, ' ')]).toEqual(['ACK', '2.05', 1, '01', '02 94 00 08 01']);
    expect(nms.drops.snapshot()).toEqual({ 'unmatched response': 1 });
  });

  test('CSMP default: no token, consecutive MIDs, and endpoint-to-endpoint round trip', async () => {
    const { nms, devLink, clock } = rig();
    const device = new CoapEndpoint({ link: devLink, address: DEVICE.address, port: DEVICE.port, clock, dedup: false });
    const seen: CoapMessage[] = [];
    device.onRequest((req) => {
      seen.push(req);
      return { code: '2.05', payload: hexBytes('16 82 00 08 0c') };
    });
    const a = await nms.request(DEVICE, { method: 'GET', uriPath: ['c'], uriQuery: ['q=22'] });
    const b = await nms.request(DEVICE, { method: 'GET', uriPath: ['c'], uriQuery: ['q=22'], token: hexBytes('01 02 03 04 05 06 07 08') });
    expect(seen.map((r) => [r.messageId, r.token.length])).toEqual([[1, 0], [2, 8]]);
    expect([a.code, a.messageId, a.token.length, toHex(a.payload, ' ')]).toEqual(['2.05', 1, 0, '16 82 00 08 0c']);
    expect([b.messageId, toHex(b.token, ' ')]).toEqual([2, '01 02 03 04 05 06 07 08']);
    device.close();
  });

  test('NON request resolves once sent; an answer-less NON leaves nothing pending', async () => {
    const { nms, devLink, clock } = rig();
    const arrived = nextDatagram(devLink);
    const sent = await nms.request(DEVICE, { method: 'GET', uriPath: ['c'], uriQuery: ['q=2', 'a=2'], confirmable: false });
    expect([sent.type, sent.code, sent.messageId, sent.uriQuery]).toEqual(['NON', '0.01', 1, ['q=2', 'a=2']]);
    expect(sent.options.map((o) => o.number)).toEqual([11, 15, 15]);
    expect(toHex((await arrived).payload, ' ')).toBe('50 01 00 01 b1 63 43 71 3d 32 03 61 3d 32');
    expect(clock.pendingTimers).toBe(0);
  });

  test('the message a request resolves with reports the options as they went out, in wire order', async () => {
    const { nms, devLink } = rig();
    const arrived = nextDatagram(devLink);
    const extra = [{ number: 60, value: hexBytes('01') }, { number: 4, value: hexBytes('aa bb') }, { number: 11, value: hexBytes('7a') }];
    const sent = await nms.request(DEVICE, { method: 'POST', uriPath: ['c', 'é'], uriQuery: ['a=3'], options: extra, confirmable: false });
    const wire = (await arrived).payload;
    expect(sent.options).toEqual(decodeCoap(wire).options);
    expect(sent.options.map((o) => [o.number, toHex(o.value, ' ')])).toEqual([[4, 'aa bb'], [11, '63'], [11, 'c3 a9'], [15, '61 3d 33'], [60, '01']]);
  });

  test('timeout through the injected clock names request and peer; a later ACK is counted as late, not thrown', async () => {
    const { nms, devLink, clock } = rig();
    const answer = nms.request(DEVICE, { method: 'POST', uriPath: ['c'], payload: hexBytes('08 04 0a 02 32 32') }, { timeoutMs: 5000 });
    let settled = false;
    answer.then(() => (settled = true), () => (settled = true));
    const req = await nextDatagram(devLink);
    clock.advance(4999);
    await settle();
    expect(settled).toBe(false);
    clock.advance(1);
    const err = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoapTimeoutError);
    expect((err as CoapTimeoutError).message).toBe('CON POST /c (MID 1) to [2018::188]:61628: no answer within 5000 ms');
    expect((err as CoapTimeoutError).peer).toEqual(DEVICE);
    expect(clock.pendingTimers).toBe(0);

    const late = once(nms, 'late');
    deviceSends(devLink, `60 41 ${toHex(req.payload.subarray(2, 4), ' ')}`, DEVICE);
    const [msg] = (await late) as [CoapMessage];
    expect([msg.code, msg.messageId]).toEqual(['2.01', 1]);
    expect(nms.drops.get('late response')).toBe(1);
  });

  test('no retransmission by default (CSMP profile)', async () => {
    const { nms, nmsLink, clock } = rig();
    const answer = nms.request(DEVICE, { method: 'GET', uriPath: ['c'] }, { timeoutMs: 60_000 }).catch((e: unknown) => e);
    clock.advance(60_000);
    expect(await answer).toBeInstanceOf(CoapTimeoutError);
    expect(nmsLink.sent).toHaveLength(1);
  });

  test('configured retransmission resends the same bytes with doubling waits, then stops on the ACK', async () => {
    const { nms, nmsLink, devLink, clock } = rig();
    const answer = nms.request(DEVICE, { method: 'GET', uriPath: ['c'] }, { timeoutMs: 60_000, retransmit: { count: 3, ackTimeoutMs: 2000 } });
    clock.advance(1999);
    expect(nmsLink.sent).toHaveLength(1);
    clock.advance(1); // t=2000
    expect(nmsLink.sent).toHaveLength(2);
    clock.advance(4000); // t=6000
    expect(nmsLink.sent).toHaveLength(3);
    deviceSends(devLink, '60 45 00 01', DEVICE);
    expect((await answer).code).toBe('2.05');
    clock.advance(60_000);
    expect(nmsLink.sent).toHaveLength(3);
    expect(new Set(nmsLink.sent.map((d) => toHex(d.payload, ' '))).size).toBe(1);
    expect(nms.stats.get('retransmission')).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  test('RST rejects with CoapResetError', async () => {
    const { nms, devLink } = rig();
    const answer = nms.request(DEVICE, { method: 'DELETE', uriPath: ['c'] });
    await nextDatagram(devLink);
    deviceSends(devLink, '70 00 00 01', DEVICE);
    const err = await answer.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoapResetError);
    expect((err as Error).message).toBe('CON DELETE /c (MID 1) to [2018::188]:61628: reset by peer (RST)');
  });

  test('request from a chosen source address (load-balancer VIP)', async () => {
    const { nms, devLink } = rig();
    const arrived = nextDatagram(devLink);
    void nms.request(DEVICE, { method: 'GET', uriPath: ['c'], confirmable: false }, { from: VIP });
    expect((await arrived).src).toBe(VIP);
  });

  test('bound to ::, an ACK that arrives at another local address than the CON left from is not its answer: dropped, announced as misrouted, the request times out', async () => {
    const { nmsLink, devLink, clock } = rig();
    const any = new CoapEndpoint({ link: nmsLink, address: '::', port: 62590, clock, firstMessageId: 7 });
    const answer = any.request(DEVICE, { method: 'GET', uriPath: ['c'] }, { from: VIP, timeoutMs: 4000 }).catch((e: unknown) => e);
    await nextDatagram(devLink);
    const misrouted = once(any, 'misrouted');
    // The answer the device sends to FND on the port the request came from.
    deviceSends(devLink, '60 45 00 07', DEVICE, { address: FND.address, port: 62590 });
    const [msg, from, to, sentFrom] = (await misrouted) as [CoapMessage, unknown, unknown, string];
    expect([msg.code, msg.messageId, from, to, sentFrom]).toEqual(['2.05', 7, DEVICE, { address: FND.address, port: 62590 }, VIP]);
    expect(any.drops.snapshot()).toEqual({ 'misrouted response': 1 });
    clock.advance(4000);
    expect(await answer).toBeInstanceOf(CoapTimeoutError);

    // Arriving where it left from, the same kind of answer is matched.
    const second = any.request(DEVICE, { method: 'GET', uriPath: ['c'] }, { from: VIP });
    await nextDatagram(devLink);
    deviceSends(devLink, '60 45 00 08', DEVICE, { address: VIP, port: 62590 });
    expect((await second).code).toBe('2.05');
    any.close();
  });

  test('close() rejects pending requests with CoapClosedError and clears timers', async () => {
    const { nms, clock } = rig();
    const answer = nms.request(DEVICE, { method: 'GET', uriPath: ['c'] }, { retransmit: { count: 2, ackTimeoutMs: 1000 } });
    expect(clock.pendingTimers).toBe(2);
    nms.close();
    await expect(answer).rejects.toBeInstanceOf(CoapClosedError);
    expect(clock.pendingTimers).toBe(0);
    await expect(nms.request(DEVICE, { method: 'GET', uriPath: ['c'] })).rejects.toBeInstanceOf(CoapClosedError);
  });
});

describe('CoapEndpoint as server', () => {
  const REGISTRATION = '40 02 00 00 b1 72 ff 02 94 00 08 01';
  const ANSWER = hexBytes('0d 09 08 14 12 01 32 12 02 32 32');

  test('CON POST /r gets a piggybacked ACK 2.03 echoing MID and (empty) token', async () => {
    const { nms, devLink } = rig();
    const calls: [CoapMessage, unknown, unknown][] = [];
    nms.onRequest((req, from, to) => {
      calls.push([req, from, to]);
      return { code: '2.03', payload: ANSWER };
    });
    const reply = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    const d = await reply;
    expect(d).toMatchObject({ src: FND.address, dst: DEVICE_CLIENT.address, srcPort: FND.port, dstPort: DEVICE_CLIENT.port });
    expect(toHex(d.payload, ' ')).toBe('60 43 00 00 ff 0d 09 08 14 12 01 32 12 02 32 32');
    expect(calls[0]![0].uriPath).toEqual(['r']);
    expect(calls[0]!.slice(1)).toEqual([DEVICE_CLIENT, FND]);
  });

  test('the ACK echoes a request token (8-byte token vector of 8.7)', async () => {
    const { nms, devLink } = rig();
    nms.onRequest(() => ({ code: '2.05', payload: hexBytes('16 82 00 08 56') }));
    const reply = nextDatagram(devLink);
    deviceSends(devLink, '48 01 01 0f 01 02 03 04 05 06 07 08 b1 63 44 71 3d 32 32');
    expect(toHex((await reply).payload, ' ')).toBe('68 45 01 0f 01 02 03 04 05 06 07 08 ff 16 82 00 08 56');
  });

  test('a duplicate CON is answered from the cache without running the handler again', async () => {
    const { nms, devLink } = rig();
    let calls = 0;
    nms.onRequest(() => {
      calls++;
      return { code: '2.03', payload: ANSWER };
    });
    const dup = once(nms, 'duplicate');
    const first = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    const a = await first;
    const second = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    const b = await second;
    await dup;
    expect(calls).toBe(1);
    expect(b.payload).toEqual(a.payload);
    expect(nms.drops.get('duplicate')).toBe(1);
  });

  test('a duplicate arriving while an async handler runs is not answered twice', async () => {
    const { nms, nmsLink, devLink } = rig();
    let release!: () => void;
    let calls = 0;
    nms.onRequest(async () => {
      calls++;
      await new Promise<void>((r) => (release = r));
      return { code: '2.03', payload: ANSWER };
    });
    deviceSends(devLink, REGISTRATION);
    await settle();
    const dup = once(nms, 'duplicate');
    deviceSends(devLink, REGISTRATION);
    await dup;
    release();
    await nextDatagram(devLink);
    await settle();
    expect(calls).toBe(1);
    expect(nmsLink.sent).toHaveLength(1);
    expect(nms.drops.get('duplicate')).toBe(1);
  });

  test('duplicate NON is detected too, and a NON may get a NON reply with its own MID', async () => {
    const { nms, devLink } = rig({ firstMessageId: 0x100 });
    let calls = 0;
    nms.onRequest(() => (++calls, { code: '2.04' }));
    const report = '51 02 00 07 77 b1 63 ff 02 94 00';
    const reply = nextDatagram(devLink);
    deviceSends(devLink, report);
    expect(toHex((await reply).payload, ' ')).toBe('51 44 01 00 77');
    const again = nextDatagram(devLink);
    deviceSends(devLink, report);
    expect(toHex((await again).payload, ' ')).toBe('51 44 01 00 77');
    expect(calls).toBe(1);
  });

  test('a handler returning nothing sends no reply, to NON or CON (an NMS that stays silent)', async () => {
    const { nms, devLink, nmsLink } = rig();
    const seen: string[] = [];
    nms.onRequest((req) => void seen.push(req.type));
    deviceSends(devLink, '50 02 00 07 b1 63 ff 02 94 00');
    deviceSends(devLink, REGISTRATION);
    await settle();
    expect(seen).toEqual(['NON', 'CON']);
    expect(nmsLink.sent).toHaveLength(0);
  });

  test('same MID with different bytes (a rebooted device restarting at MID 0) is a new request', async () => {
    const { nms, devLink } = rig();
    let calls = 0;
    nms.onRequest(() => (++calls, { code: '2.03', payload: ANSWER }));
    let reply = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    await reply;
    reply = nextDatagram(devLink);
    deviceSends(devLink, '40 02 00 00 b1 72 ff 02 94 00 08 02');
    await reply;
    expect(calls).toBe(2);
    expect(nms.stats.get('message id reused')).toBe(1);
    expect(nms.drops.get('duplicate')).toBe(0);
  });

  test('after EXCHANGE_LIFETIME the same message is new again; with dedup off it always is', async () => {
    for (const dedup of [true, false]) {
      const { nms, devLink, clock } = rig({ dedup, exchangeLifetimeMs: 247_000 });
      let calls = 0;
      nms.onRequest(() => (++calls, { code: '2.03', payload: ANSWER }));
      for (const wait of [0, 246_999, 1]) {
        clock.advance(wait);
        const reply = nextDatagram(devLink);
        deviceSends(devLink, REGISTRATION);
        await reply;
      }
      expect([dedup, calls]).toEqual(dedup ? [true, 2] : [false, 3]);
    }
  });

  test('replies leave from the address the request was sent to, or from the one the handler names', async () => {
    const { nmsLink, devLink, clock } = rig();
    const any = new CoapEndpoint({ link: nmsLink, address: '::', port: 61629, clock });
    any.onRequest((req) => ({ code: '2.03', payload: ANSWER, ...(req.uriPath[0] === 'r' ? {} : { from: FND.address }) }));
    let reply = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION, DEVICE_CLIENT, { address: VIP, port: 61629 });
    expect((await reply).src).toBe(VIP);
    reply = nextDatagram(devLink);
    deviceSends(devLink, '40 02 00 01 b1 63 ff 01', DEVICE_CLIENT, { address: VIP, port: 61629 });
    expect((await reply).src).toBe(FND.address);
    expect(() => any.sendRaw(DEVICE, hexBytes('60 00 00 01'))).toThrow(TypeError);
    any.close();
  });

  test('a throwing handler gets 5.00 on CON and a handlerError event; the exception goes no further', async () => {
    const { nms, devLink } = rig();
    nms.onRequest(() => {
      throw new Error('boom');
    });
    const failed = once(nms, 'handlerError');
    const reply = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    expect(toHex((await reply).payload, ' ')).toBe('60 a0 00 00');
    expect(((await failed)[0] as Error).message).toBe('boom');
  });

  test('CoAP ping and requests without a handler get RST', async () => {
    const { devLink, nms } = rig();
    let reply = nextDatagram(devLink);
    deviceSends(devLink, '40 00 12 34');
    expect(toHex((await reply).payload, ' ')).toBe('70 00 12 34');
    reply = nextDatagram(devLink);
    deviceSends(devLink, REGISTRATION);
    expect(toHex((await reply).payload, ' ')).toBe('70 00 00 00');
    expect(nms.drops.get('no handler')).toBe(1);
  });
});

describe('CoapEndpoint and bad input', () => {
  test('malformed datagrams are counted and emitted as drop, never thrown; the endpoint carries on', async () => {
    const { nms, devLink } = rig();
    nms.onRequest(() => ({ code: '2.05' }));
    const drops: EndpointDrop[] = [];
    nms.on('drop', (d: EndpointDrop) => drops.push(d));
    deviceSends(devLink, '40 01 0f ff f1 00');
    deviceSends(devLink, '40 01 00');
    deviceSends(devLink, '49 01 00 00 01 02 03 04 05 06 07 08 09');
    deviceSends(devLink, '40 02 00 00 b1 72 ff');
    const reply = nextDatagram(devLink);
    deviceSends(devLink, '40 01 00 05 b1 63');
    expect(toHex((await reply).payload, ' ')).toBe('60 45 00 05');
    expect(drops.map((d) => [d.reason, d.error?.offset])).toEqual([
      ['option delta nibble 15', 4],
      ['header truncated: 3 of 4 bytes', 0],
      ['token length 9 exceeds 8', 0],
      ['payload marker with no payload', 6],
    ]);
    expect(drops[0]!.datagram.src).toBe(DEVICE_CLIENT.address);
    expect(nms.drops.total).toBe(4);
  });

  test('datagrams for another port or address are not this endpoint\'s business', async () => {
    const { nms, devLink, nmsLink } = rig();
    nms.onRequest(() => ({ code: '2.05' }));
    deviceSends(devLink, '40 01 0f ff f1 00', DEVICE_CLIENT, { address: FND.address, port: 5683 });
    deviceSends(devLink, '40 01 00 05 b1 63', DEVICE_CLIENT, { address: VIP, port: FND.port });
    await settle();
    expect(nms.drops.total).toBe(0);
    expect(nmsLink.sent).toHaveLength(0);
  });

  test('stray ACK/RST and unsolicited responses are counted', async () => {
    const { nms, devLink } = rig();
    deviceSends(devLink, '60 45 77 77', DEVICE);
    deviceSends(devLink, '70 00 77 78', DEVICE);
    deviceSends(devLink, '50 45 77 79', DEVICE);
    await settle();
    expect(nms.drops.snapshot()).toEqual({ 'unmatched response': 1, 'unmatched reset': 1, 'unsolicited response': 1 });
    const seen = once(nms, 'response');
    deviceSends(devLink, '50 45 77 7a', DEVICE);
    expect(((await seen)[0] as CoapMessage).messageId).toBe(0x777a);
  });

  test('the memory link isolates pairs and copies payloads', async () => {
    const [a, b] = MemoryLink.pair();
    const [c, d] = MemoryLink.pair();
    const onD = jest.fn();
    d.on('datagram', onD);
    const payload = hexBytes('60 00 00 01');
    const got = nextDatagram(b);
    a.send({ src: '::1', dst: '::2', srcPort: 1, dstPort: 2, payload });
    payload[0] = 0;
    expect(decodeCoap((await got).payload).type).toBe('ACK');
    expect(onD).not.toHaveBeenCalled();
    await c.close();
    c.send({ src: '::1', dst: '::2', srcPort: 1, dstPort: 2, payload });
    expect(c.drops.get('link closed')).toBe(1);
  });
});

import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { encodeCoap } from '../../../harness/coap/message.js';
import { buildPayload } from '../../../harness/csmp/payload.js';
import { appendSignature } from '../../../harness/csmp/signature.js';
import { frameEvent, type FrameContext } from '../../../harness/decode/frame-event.js';

const key = createPrivateKey(readFileSync('rigs/virtual/keys/nms-key.pem'));
const ctx: FrameContext = {
  link: 'dongle0',
  names: new Map([
    ['fd00::1', 'fnd'],
    ['fd00::2', 'vip'],
    ['fd00:77::101', 'meter-1'],
  ]),
  signers: new Set(['fd00::1', 'fd00::2']),
  nmsKey: createPublicKey(readFileSync('rigs/virtual/keys/nms-cert.pem')),
};

const signedAck = (): Uint8Array => {
  const prefix = buildPayload([{ type: 7, fields: { id: '1' } }, { type: 76, fields: { notBefore: 1, notAfter: 2 } }], { lengthStyle: 'minimal' });
  return encodeCoap({ type: 'ACK', code: '2.03', messageId: 9, token: Uint8Array.of(0xab), payload: appendSignature(prefix, key, { lengthStyle: 'minimal' }) });
};
const packet = (src: string, dst: string, coap: Uint8Array): Uint8Array => buildUdpPacket({ src, dst, srcPort: 61628, dstPort: 50000, payload: coap });

test('a signed 2.03 from the NMS: endpoints named, CoAP summary, TLVs as JSON, the signature verified', () => {
  const ipv6 = packet('fd00::1', 'fd00:77::101', signedAck());
  const ev = frameEvent({ direction: 'out', ipv6, at: 1000 }, ctx);
  expect(ev).toMatchObject({
    at: 1000,
    direction: 'out',
    link: 'dongle0',
    src: 'fd00::1',
    dst: 'fd00:77::101',
    srcPort: 61628,
    dstPort: 50000,
    from: 'fnd',
    to: 'meter-1',
    udpChecksumOk: true,
    coap: { type: 'ACK', code: '2.03', codeName: '2.03 Valid', messageId: 9, token: 'ab', uriPath: [], uriQuery: [] },
    signature: { status: 'verified' },
  });
  expect(ev.tlvs.map((t) => [t.type, t.name, t.value])).toEqual([
    [7, 'SessionID', { id: '1' }],
    [76, 'SignatureValidity', { notBefore: 1, notAfter: 2 }],
    [77, 'Signature', { value: expect.stringMatching(/^3[0-9a-f]+$/) }],
  ]);
  expect(ev.hex).toBe(Buffer.from(ipv6).toString('hex'));
  expect(ev.error).toBeUndefined();
});

test("one changed byte before the signature fails it; another sender's signature is not checked", () => {
  const coap = signedAck();
  // The SessionID's value: covered by the signature.
  const i = Buffer.from(coap).indexOf(Buffer.from('1'));
  coap[i] = 0x32;
  expect(frameEvent({ direction: 'out', ipv6: packet('fd00::1', 'fd00:77::101', coap), at: 0 }, ctx).signature).toEqual({ status: 'failed', reason: 'ECDSA verification failed' });
  expect(frameEvent({ direction: 'in', ipv6: packet('fd00:77::101', 'fd00::1', signedAck()), at: 0 }, ctx).signature).toEqual({ status: 'not checked', reason: 'no key known for the sender' });
});

test("the link's parse is used when it has one, and gives the same event as decoding the bytes", () => {
  const coap = signedAck();
  const ipv6 = packet('fd00::2', 'fd00:77::101', coap);
  const datagram = { src: 'fd00::2', dst: 'fd00:77::101', srcPort: 61628, dstPort: 50000, payload: coap };
  expect(frameEvent({ direction: 'out', ipv6, at: 5, datagram }, ctx)).toEqual(frameEvent({ direction: 'out', ipv6, at: 5 }, ctx));
});

test('a damaged frame keeps what decoded and says where it stopped, from the first byte of the packet', () => {
  const ipv6 = packet('fd00:77::101', 'fd00::9', Uint8Array.of(0x40, 0x01, 0x00));
  const ev = frameEvent({ direction: 'in', ipv6, at: 0 }, ctx);
  expect(ev).toMatchObject({ src: 'fd00:77::101', dst: 'fd00::9', from: 'meter-1', error: { layer: 'coap', offset: 48, reason: expect.any(String) } });
  expect(ev.to).toBeUndefined();
  expect(ev.coap).toBeUndefined();
  expect(frameEvent({ direction: 'in', ipv6: Uint8Array.of(0x60, 1), at: 0 }, ctx)).toEqual({
    at: 0,
    direction: 'in',
    link: 'dongle0',
    tlvs: [],
    hex: '6001',
    error: { layer: 'ipv6', offset: 2, reason: 'truncated header' },
  });
});

test('property: any bytes give an event that is plain JSON and keeps the bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, asPacket) => {
      const ipv6 = asPacket ? packet('fd00:77::101', 'fd00::1', bytes) : bytes;
      const ev = frameEvent({ direction: 'in', ipv6, at: 7 }, ctx);
      expect(ev.hex).toBe(Buffer.from(ipv6).toString('hex'));
      expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
      if (asPacket) expect([ev.from, ev.to]).toEqual(['meter-1', 'fnd']);
    }),
    { numRuns: 400 },
  );
});

/**
 * The registration exchange through the harness's own codec and crypto, with no state machine,
 * no events and no timers: what the CoAP and CSMP layers alone cost on top of the bare exchange.
 *
 * The meter sends the fleet meter's own POST /r (its TLVs taken once from a fleet meter, DeviceID
 * and CurrentTime encoded afresh for each send); the NMS decodes the whole CoAP message and every
 * TLV value, as the harness's NMS does, and answers ACK 2.03 with registrationResponsePayload (its
 * own SessionID, signed); the meter decodes the answer, checks SignatureValidity and the
 * signature (checkSignedPayload), reads its SessionID and sends the fleet meter's report (NON
 * POST /c: SessionID, CurrentTime, Uptime, WPANStatus). Every byte is the harness's encoding.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { decodeCoap, encodeCoap } from '../../harness/coap/message.js';
import { publicKeyFrom } from '../../harness/csmp/keys.js';
import { decodePayload } from '../../harness/csmp/payload.js';
import { checkSignedPayload } from '../../harness/csmp/signature.js';
import { decodeTlvs, encodeTlvs, type TlvInput } from '../../harness/csmp/tlv.js';
import { TLV } from '../../harness/csmp/tlv-ids.js';
import { decodeValue, encodeValue } from '../../harness/csmp/value.js';
import { NmsSigner } from '../../harness/nms/signing.js';
import { registrationResponsePayload } from '../../harness/nms/response-builder.js';
import { startFleet } from '../../rigs/virtual/fleet/fleet.js';
import { exchangesPerSec } from './exchange-loop.js';
import { CERT, KEY } from './keys.js';

const FIRST_EUI64 = 0x00173bfffe200000n;
const AGENT = { lengthStyle: 'agent' } as const;
/** What the fleet's NMS subscribes its meters to (harness/nms defaults). */
const SUBSCRIPTION = { interval: 900, tlvids: [String(TLV.Uptime), String(TLV.WPANStatus)] };

export async function codecExchange(count: number, shard: number): Promise<number> {
  const signer = await NmsSigner.load(KEY, CERT);
  const pub = publicKeyFrom(readFileSync(CERT, 'utf8'));
  const sample = await fleetMeterSample(signer);
  const nowSec = (): number => Math.floor(Date.now() / 1000);
  const eui64 = (i: number): string => (FIRST_EUI64 + BigInt(shard) * 0x100000n + BigInt(i)).toString(16).toUpperCase().padStart(16, '0');
  const sessions = new Map<string, string>();
  let messageId = 1;
  let nextSession = 1;
  let reports = 0;
  const rate = await exchangesPerSec('codec exchange', count, {
    request: (i) => {
      const tlvs = sample.registration.map((t) =>
        t.type === TLV.DeviceID ? { type: t.type, value: encodeValue(TLV.DeviceID, { type: 1, id: eui64(i) }) } : t.type === TLV.CurrentTime ? { type: t.type, value: encodeValue(TLV.CurrentTime, { posix: nowSec() }) } : t,
      );
      return encodeCoap({ type: 'CON', code: '0.02', messageId: messageId++ & 0xffff, uriPath: ['r'], payload: encodeTlvs(tlvs, AGENT) });
    },
    answer: (datagram) => {
      const m = decodeCoap(datagram);
      const values = decodePayload(m.payload).tlvs;
      if (m.uriPath[0] === 'c') {
        reports++;
        return undefined;
      }
      const id = String(values.find((t) => t.type === TLV.DeviceID)?.value?.['id']);
      const sessionId = String(nextSession++);
      sessions.set(id, sessionId);
      const payload = registrationResponsePayload({ reportSubscribe: SUBSCRIPTION, sessionId, groupAssign: [] }, signer, Date.now());
      return encodeCoap({ type: 'ACK', code: '2.03', messageId: m.messageId, token: m.token, payload });
    },
    accept: (i, datagram) => {
      const m = decodeCoap(datagram);
      if (m.code !== '2.03') return new Error(`answered ${m.code}`);
      const tlvs = decodeTlvs(m.payload);
      const check = checkSignedPayload(m.payload, pub, nowSec(), tlvs);
      if (check.outcome !== 'ok') return new Error(`signature ${check.outcome}: ${check.reason}`);
      const session = tlvs.find((t) => t.type === TLV.SessionID);
      const id = session && decodeValue(session).value?.['id'];
      if (typeof id !== 'string') return new Error('2.03 without SessionID');
      const tlvsOut = sample.report.map((t) =>
        t.type === TLV.SessionID
          ? { type: t.type, value: encodeValue(TLV.SessionID, { id }) }
          : t.type === TLV.CurrentTime
            ? { type: t.type, value: encodeValue(TLV.CurrentTime, { posix: nowSec() }) }
            : t.type === TLV.Uptime
              ? { type: t.type, value: encodeValue(TLV.Uptime, { sysUpTime: i & 0xff }) }
              : t,
      );
      return encodeCoap({ type: 'NON', code: '0.02', messageId: messageId++ & 0xffff, uriPath: ['c'], payload: encodeTlvs(tlvsOut, AGENT) });
    },
  });
  if (sessions.size !== count) throw new Error(`codec exchange: ${sessions.size} devices registered for ${count} meters`);
  return rate;
}

/** One fleet meter's POST /r and first report, as TLVs: it registers once with a socket that answers as codecExchange's NMS does. */
async function fleetMeterSample(signer: NmsSigner): Promise<{ registration: TlvInput[]; report: TlvInput[] }> {
  const nms = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((resolve) => nms.bind({ address: '::1', port: 0 }, resolve));
  try {
    const got = new Promise<{ registration: TlvInput[]; report: TlvInput[] }>((resolve) => {
      let registration: TlvInput[] | undefined;
      nms.on('message', (datagram, from) => {
        const m = decodeCoap(datagram);
        const tlvs = decodeTlvs(m.payload).map((t) => ({ type: t.type, value: t.value.slice() }));
        if (m.uriPath[0] === 'r') {
          registration = tlvs;
          const payload = registrationResponsePayload({ reportSubscribe: SUBSCRIPTION, sessionId: '1', groupAssign: [] }, signer, Date.now());
          nms.send(encodeCoap({ type: 'ACK', code: '2.03', messageId: m.messageId, token: m.token, payload }), from.port, '::1');
        } else if (m.uriPath[0] === 'c' && registration) {
          resolve({ registration, report: tlvs });
        }
      });
    });
    const fleet = await startFleet({ count: 1, nms: { address: '::1', port: nms.address().port }, basePort: 0, nmsKey: readFileSync(CERT, 'utf8'), regInterval: { min: 1, max: 64 } });
    try {
      return await got;
    } finally {
      await fleet.stop();
    }
  } finally {
    await new Promise<void>((resolve) => nms.close(() => resolve()));
  }
}

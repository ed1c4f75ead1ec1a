/**
 * POST /c from devices (csmp-protocol.md 3.2, 3.6, 6.3, 6.4): always NON, never answered
 * ([DRAFT]: the NMS handles errors here silently, to avoid ack storms). Three kinds arrive:
 *
 * - periodic reports: SessionID, CurrentTime, subscribed TLVs (CurrentTime first when the
 *   device has no SessionID) -> the device is up;
 * - CGMSNotifications: DeviceID + CGMSNotification{code}. Code 2 after a signed 2.03 is what a
 *   reference agent sends when it rejects the registration response's signature: FND's
 *   signatureFailure (1085). Code 1 follows a non-2.xx reply, codes 0/3 a NON POST;
 * - asynchronous answers to NON requests with a= (no SessionID/CurrentTime in front, doc 3.6),
 *   handed to the client that is waiting for them.
 *
 * The device is found by DeviceID, else SessionID, else source address.
 */
import type { CoapMessage } from '../coap/message.js';
import type { Peer } from '../coap/errors.js';
import { decodePayload } from '../csmp/payload.js';
import type { DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Clock } from '../../core/clock.js';
import type { InboundKind } from './counters.js';
import type { DeviceRecord, DeviceStates } from './device-state.js';
import type { NmsEvents } from './events.js';
import { clockOffsetS, normaliseEui64 } from './registration.js';

/** The hint FND's signatureFailure event gives (troubleshooting note, doc 7.6). */
export const SIGNATURE_FAILURE_HINT = 'Verify the certificate setup and that the device and IoT-FND are time synchronized.';

export interface DevicePost {
  message: CoapMessage;
  tlvs: DecodedTlv[];
  from: Peer;
  /** The local address it arrived at. */
  to: Peer;
  at: number;
}

export interface ReportsContext {
  clock: Clock;
  devices: DeviceStates;
  events: NmsEvents;
  /** Offers a non-report message to a waiting client request; true when one took it. */
  deliverAsync(rec: DeviceRecord, post: DevicePost): boolean;
}

export interface InboundOutcome {
  kind: InboundKind;
  device?: DeviceRecord;
}

function findDevice(devices: DeviceStates, tlvs: readonly DecodedTlv[], from: Peer): DeviceRecord | undefined {
  const id = tlvs.find((t) => t.type === TLV.DeviceID)?.value?.['id'];
  if (typeof id === 'string') return devices.get(normaliseEui64(id));
  const session = tlvs.find((t) => t.type === TLV.SessionID)?.value?.['id'];
  if (typeof session === 'string') {
    const rec = devices.bySession(session);
    if (rec) return rec;
  }
  return devices.byAddress(from.address);
}

export function handleDevicePost(ctx: ReportsContext, req: CoapMessage, from: Peer, to: Peer): InboundOutcome {
  const decoded = decodePayload(req.payload);
  const tlvs = decoded.tlvs;
  const rec = findDevice(ctx.devices, tlvs, from);
  if (!rec) return { kind: 'other' };
  const now = ctx.clock.now();
  rec.lastHeardAt = now;
  rec.lastSource = { address: from.address, port: from.port, localAddress: to.address };
  const post: DevicePost = { message: req, tlvs, from, to, at: now };

  const notification = tlvs.find((t) => t.type === TLV.CGMSNotification);
  if (notification) {
    const code = Number(notification.value?.['code'] ?? -1);
    const failed = (notification.value?.['tlvs'] as number[] | undefined) ?? [];
    ctx.devices.noteNotification(rec, code, failed);
    // A NON POST's notification (codes 0/3) answers a waiting client request (same token).
    const tookIt = (code === 0 || code === 3) && ctx.deliverAsync(rec, post);
    if (code === 2 && rec.state === 'registering') {
      rec.registrationSignatureRejected = true;
      ctx.events.record({
        name: 'signatureFailure',
        message: `Invalid CSMP Signature: mesh device ${rec.eid} rejected the signed registration response (CGMSNotification code 2). ${SIGNATURE_FAILURE_HINT}`,
        device: rec.device.name,
        eid: rec.eid,
        details: { notificationCode: 2, ...(rec.clockOffsetS !== undefined ? { clockOffsetS: rec.clockOffsetS } : {}) },
      });
    } else if (!tookIt) {
      ctx.events.record({
        name: 'csmpNotification',
        message: `CGMSNotification code ${code} (${notificationMeaning(code)}) from mesh device ${rec.eid}${failed.length > 0 ? `, failed TLVs ${failed.join(', ')}` : ''}.`,
        device: rec.device.name,
        eid: rec.eid,
        details: { code, tlvs: failed },
      });
    }
    return { kind: 'notification', device: rec };
  }

  // Reports lead with SessionID then CurrentTime, or CurrentTime alone before a SessionID (6.4);
  // asynchronous answers lead with the requested or produced TLVs (3.6).
  const first = tlvs[0]?.type;
  const isReport = first === TLV.SessionID ? tlvs[1]?.type === TLV.CurrentTime : first === TLV.CurrentTime;
  if (!isReport) {
    // Counted as an asynchronous answer even when nobody waits any more (it came late).
    ctx.deliverAsync(rec, post);
    return { kind: 'asyncAnswer', device: rec };
  }

  const offset = clockOffsetS(tlvs, now);
  if (offset !== undefined) rec.clockOffsetS = offset;
  rec.lastReport = tlvs;
  // The device's CurrentTime.posix itself: its own spacing of reports, whatever the NMS's receive delay.
  ctx.devices.reportReceived(rec, offset === undefined ? undefined : Math.floor(now / 1000) + offset);
  return { kind: 'report', device: rec };
}

export function notificationMeaning(code: number): string {
  switch (code) {
    case 0:
      return 'processed';
    case 1:
      return 'CoAP error reply received';
    case 2:
      return 'signature error or registration response not applicable';
    case 3:
      return 'processing error';
    default:
      return 'unknown code';
  }
}

/**
 * The payload of the 2.03 the NMS answers a registration with (csmp-protocol.md 6.1, 3.7):
 *
 *   ReportSubscribe, SessionID, [CGMSSettings], [GroupAssign...], SignatureValidity, Signature
 *
 * configuration first, signing TLVs last, minimal lengths, as FND sent it. What a
 * reference-agent device needs of it (doc 6.1 and quirks 9-12) is enforced here rather than
 * hoped for: always a ReportSubscribe with interval > 0 (interval 0 kills the agent with
 * SIGFPE), never an empty payload, never DescriptionRequest (SIGSEGV), SessionID of at most 16
 * bytes, and the whole message within the agent's 1024-byte receive buffer.
 *
 * CGMSSettings (42) makes a reference agent FAIL registration (it cannot apply 42, doc 6.1):
 * it is only sent when a device's settings ask for it, and that is off by default.
 */
import { buildPayload, type TlvToBuild } from '../csmp/payload.js';
import { TLV } from '../csmp/tlv-ids.js';

/** Reference agent receive buffer (doc 10.1) less the 4-byte header and the payload marker of a TKL-0 ACK. */
export const MAX_REGISTRATION_PAYLOAD = 1024 - 5;
export const MAX_SESSION_ID_BYTES = 16;

export interface GroupId {
  /** 1 configuration, 2 firmware. */
  type: number;
  id: number;
}

export interface RegistrationResponsePlan {
  reportSubscribe: { interval: number; tlvids: readonly string[] };
  sessionId: string;
  /** Registration trickle bounds; see the file comment before turning this on. */
  cgmsSettings?: { regIntervalMin: number; regIntervalMax: number };
  groupAssign: readonly GroupId[];
}

/**
 * Appends SignatureValidity and Signature to TLVs that are already framed, signing everything
 * before the Signature TLV (doc 7.1). Implemented by NmsSigner.
 */
export interface PayloadSigner {
  sign(body: Uint8Array, nowMs: number): Uint8Array;
}

export function checkReportSubscribe(interval: number, tlvids: readonly string[]): void {
  if (!Number.isInteger(interval) || interval <= 0 || interval > 0xffff_ffff) {
    throw new RangeError(`ReportSubscribe interval must be a whole number of seconds > 0 (interval 0 crashes csmp-agent-lib devices), got ${interval}`);
  }
  if (tlvids.length > 15) throw new RangeError(`ReportSubscribe: csmp-agent-lib keeps at most 15 TLV ids, got ${tlvids.length}`);
  for (const id of tlvids) {
    if (id.length === 0 || id.length > 12) throw new RangeError(`ReportSubscribe: TLV id ${JSON.stringify(id)} must be 1-12 characters`);
  }
}

export function registrationResponseItems(plan: RegistrationResponsePlan): TlvToBuild[] {
  const { interval, tlvids } = plan.reportSubscribe;
  checkReportSubscribe(interval, tlvids);
  if (Buffer.byteLength(plan.sessionId, 'utf8') > MAX_SESSION_ID_BYTES || plan.sessionId.length === 0) {
    throw new RangeError(`SessionID must be 1-${MAX_SESSION_ID_BYTES} bytes (longer overflows csmp-agent-lib), got ${JSON.stringify(plan.sessionId)}`);
  }
  const items: TlvToBuild[] = [
    { type: TLV.ReportSubscribe, fields: { interval, ...(tlvids.length > 0 ? { tlvid: [...tlvids] } : {}) } },
    { type: TLV.SessionID, fields: { id: plan.sessionId } },
  ];
  if (plan.cgmsSettings) {
    items.push({ type: TLV.CGMSSettings, fields: { ...plan.cgmsSettings } });
  }
  for (const g of plan.groupAssign) items.push({ type: TLV.GroupAssign, fields: { type: g.type, id: g.id } });
  return items;
}

/** The 2.03 payload: configuration TLVs, then (with a signer) SignatureValidity and Signature. */
export function registrationResponsePayload(plan: RegistrationResponsePlan, signer: PayloadSigner | undefined, nowMs: number): Uint8Array {
  const body = buildPayload(registrationResponseItems(plan), { lengthStyle: 'minimal' });
  const payload = signer ? signer.sign(body, nowMs) : body;
  if (payload.length > MAX_REGISTRATION_PAYLOAD) {
    throw new RangeError(`registration response of ${payload.length} bytes exceeds ${MAX_REGISTRATION_PAYLOAD} (csmp-agent-lib receive buffer)`);
  }
  return payload;
}

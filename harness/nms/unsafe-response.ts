/**
 * A 2.03 the NMS would never send on its own, for the security and robustness suites: the
 * inputs csmp-protocol.md 6.1 names as dangerous for devices (report interval 0, a
 * DescriptionRequest) and a response signed by a key the device does not trust. The normal
 * builder refuses these on purpose (response-builder.ts); tests ask for them by name.
 */
import { buildPayload, type TlvToBuild } from '../csmp/payload.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { PayloadSigner, RegistrationResponsePlan } from './response-builder.js';
import { strangerSigner } from './custom-signing.js';

export interface UnsafeResponse {
  /** ReportSubscribe.interval as sent, 0 included. */
  reportIntervalS?: number;
  /** TLVs added after the normal ones (e.g. a DescriptionRequest), before the signature. */
  extra?: readonly TlvToBuild[];
  /** 'other': signed by a key no device trusts. */
  key?: 'nms' | 'other';
}

export function unsafeResponsePayload(plan: RegistrationResponsePlan, unsafe: UnsafeResponse, signer: PayloadSigner | undefined, nowMs: number): Uint8Array {
  const { tlvids } = plan.reportSubscribe;
  const interval = unsafe.reportIntervalS ?? plan.reportSubscribe.interval;
  const items: TlvToBuild[] = [
    { type: TLV.ReportSubscribe, fields: { interval, ...(tlvids.length > 0 ? { tlvid: [...tlvids] } : {}) } },
    { type: TLV.SessionID, fields: { id: plan.sessionId } },
    ...plan.groupAssign.map((g) => ({ type: TLV.GroupAssign, fields: { type: g.type, id: g.id } })),
    ...(unsafe.extra ?? []),
  ];
  const body = buildPayload(items, { lengthStyle: 'minimal' });
  const by = unsafe.key === 'other' ? strangerSigner() : signer;
  return by ? by.sign(body, nowMs) : body;
}

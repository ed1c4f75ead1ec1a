/**
 * One captured frame as a report event: IPv6/UDP (the link's parse when it made one), CoAP, every
 * TLV as JSON, the NMS signature checked, the bytes as hex. This is the one place a frame is
 * decoded for the run; steps (frame log), reporters (pcap, HTML, event log) all read the result.
 * Never throws: a frame that does not decode keeps what the layers below gave, plus the error.
 */
import type { KeyObject } from 'node:crypto';
import { toHex } from '../../core/bytes.js';
import { codeName } from '../coap/codes.js';
import { signedBytes, verifySignature } from '../csmp/signature.js';
import type { Tlv } from '../csmp/tlv.js';
import { toJson, type DecodedTlv } from '../csmp/value.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { FrameEvent, FrameSignature, FrameTlv } from '../model/observations.js';
import { decodeCoapMessage, decodeIpv6Message, type CsmpMessage } from './message.js';

/** The packet as a link reports it (drivers/link LinkFrame, structurally). */
export interface WireFrame {
  direction: 'in' | 'out';
  ipv6: Uint8Array;
  at: number;
  datagram?: { src: string; dst: string; srcPort: number; dstPort: number; payload: Uint8Array };
}

export interface FrameContext {
  link: string;
  /** Canonical IPv6 address → rig name ('fnd', 'vip', a device name). */
  names: ReadonlyMap<string, string>;
  /** Addresses whose Signature TLVs the key below can check: the NMS's. */
  signers: ReadonlySet<string>;
  nmsKey?: KeyObject;
}

export function frameEvent(f: WireFrame, ctx: FrameContext): FrameEvent {
  const m = decodeWire(f);
  const ev: FrameEvent = { at: f.at, direction: f.direction, link: ctx.link, tlvs: m.tlvs.map(tlvJson), hex: toHex(f.ipv6) };
  if (m.src !== undefined && m.dst !== undefined) {
    ev.src = m.src;
    ev.dst = m.dst;
    const from = ctx.names.get(m.src);
    const to = ctx.names.get(m.dst);
    if (from !== undefined) ev.from = from;
    if (to !== undefined) ev.to = to;
  }
  if (m.srcPort !== undefined && m.dstPort !== undefined) {
    ev.srcPort = m.srcPort;
    ev.dstPort = m.dstPort;
  }
  if (m.udpChecksumOk !== undefined) ev.udpChecksumOk = m.udpChecksumOk;
  const c = m.coap;
  if (c) {
    ev.coap = {
      type: c.type,
      code: c.code,
      codeName: codeName(c.code),
      messageId: c.messageId,
      token: toHex(c.token),
      uriPath: c.uriPath,
      uriQuery: c.uriQuery,
      payloadLength: c.payload.length,
    };
    const sig = signatureOf(m, c.payload, ctx);
    if (sig) ev.signature = sig;
  }
  if (m.error) ev.error = { layer: m.error.layer, offset: m.error.offset, reason: m.error.reason };
  return ev;
}

function decodeWire(f: WireFrame): CsmpMessage {
  const d = f.datagram;
  // Bytes after the IPv6 payload are ignored, as the frame log always did: they stay visible in `hex`.
  if (!d) return decodeIpv6Message(f.ipv6, { trailing: 'ignore' });
  const inner = decodeCoapMessage(d.payload);
  const base = { src: d.src, dst: d.dst, srcPort: d.srcPort, dstPort: d.dstPort, udpChecksumOk: true };
  // Offsets from the first byte of the packet, as decodeIpv6Message gives them.
  return inner.error ? { ...base, ...inner, error: inner.error.shifted(f.ipv6.length - d.payload.length) } : { ...base, ...inner };
}

function tlvJson(t: DecodedTlv): FrameTlv {
  const j = toJson(t);
  const out: FrameTlv = { type: j.type, name: j.name, raw: j.raw };
  if (j.value) out.value = j.value;
  if (t.vendor) {
    out.vendor = t.vendor.pen;
    out.vendorType = t.vendor.vendorType;
  }
  if (j.error) out.error = { ...j.error };
  return out;
}

function signatureOf(m: CsmpMessage, payload: Uint8Array, ctx: FrameContext): FrameSignature | undefined {
  const sig = m.tlvs.find((t) => t.type === TLV.Signature && !t.vendor);
  if (!sig) return undefined;
  if (!ctx.nmsKey || m.src === undefined || !ctx.signers.has(m.src)) return { status: 'not checked', reason: 'no key known for the sender' };
  const wrapper = sig.value?.['value'];
  const prefix = signedBytes(payload, m.tlvs as unknown as Tlv[]);
  if (!(wrapper instanceof Uint8Array) || !prefix) return { status: 'failed', reason: 'the Signature TLV does not decode' };
  const check = verifySignature(prefix, wrapper, ctx.nmsKey);
  return check.outcome === 'ok' ? { status: 'verified' } : { status: 'failed', reason: check.reason };
}

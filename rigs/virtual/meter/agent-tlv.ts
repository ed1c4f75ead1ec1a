/**
 * TLV framing as the reference agent reads it (csmp-protocol.md 4.1, 4.2): varints of at most
 * 5 bytes, a varint cut short by the end of the buffer is taken as it stands, type 127 carries
 * PEN and vendor type before the length, and the walk advances by the declared length. A value
 * declared longer than what is left stops the walk (the agent's readTL returns 0).
 */
export interface AgentTl {
  type: number;
  /** PEN and vendor type of a type-127 TLV. */
  vendor?: { pen: number; vendorType: number };
  /** Offset of the type byte. */
  start: number;
  valueStart: number;
  /** Offset after the value. */
  end: number;
}

function varint(buf: Uint8Array, pos: number): { value: number; next: number } | undefined {
  if (pos >= buf.length) return undefined;
  let value = 0;
  let scale = 1;
  let i = 0;
  while (i < 5 && pos + i < buf.length) {
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    i++;
    if (b < 0x80) break;
    scale *= 128;
  }
  return { value: value >>> 0, next: pos + i };
}

export function readTl(buf: Uint8Array, pos: number): AgentTl | undefined {
  const type = varint(buf, pos);
  if (!type) return undefined;
  let at = type.next;
  let vendor: AgentTl['vendor'];
  if (type.value === 127) {
    const pen = varint(buf, at);
    if (!pen) return undefined;
    const vt = varint(buf, pen.next);
    if (!vt) return undefined;
    vendor = { pen: pen.value, vendorType: vt.value };
    at = vt.next;
  }
  const length = varint(buf, at);
  if (!length) return undefined;
  const end = length.next + length.value;
  if (end > buf.length) return undefined;
  return { type: type.value, ...(vendor ? { vendor } : {}), start: pos, valueStart: length.next, end };
}

/** Every TLV until the end or the first one that cannot be framed (`complete` tells which). */
export function walkTlvs(buf: Uint8Array): { tlvs: AgentTl[]; complete: boolean } {
  const tlvs: AgentTl[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const tl = readTl(buf, pos);
    if (!tl) return { tlvs, complete: false };
    tlvs.push(tl);
    pos = tl.end;
  }
  return { tlvs, complete: true };
}

/** First TLV of `type` reachable by the walk (csmptlv_find). */
export function findTlv(buf: Uint8Array, type: number): AgentTl | undefined {
  let pos = 0;
  while (pos < buf.length) {
    const tl = readTl(buf, pos);
    if (!tl) return undefined;
    if (tl.type === type) return tl;
    pos = tl.end;
  }
  return undefined;
}

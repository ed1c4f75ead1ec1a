/**
 * The fault model 'accept-malformed-der': the way careless firmware reads an ECDSA-Sig-Value —
 * lengths in short or long form, integers with any number of leading zero bytes, and whatever
 * follows the SEQUENCE ignored. Strict DER (what node:crypto verifies) refuses all of those.
 */
const SEQUENCE = 0x30;
const INTEGER = 0x02;
const COORDINATE = 32; // P-256

/** r‖s as 64 bytes (IEEE P1363), or undefined when even a loose reading fails. */
export function looseEcdsaToP1363(der: Uint8Array): Uint8Array | undefined {
  const at = { p: 0 };
  if (der[at.p++] !== SEQUENCE || readLength(der, at) === undefined) return undefined;
  const r = readInteger(der, at);
  const s = r && readInteger(der, at);
  if (!r || !s) return undefined;
  const out = new Uint8Array(2 * COORDINATE);
  out.set(r, COORDINATE - r.length);
  out.set(s, 2 * COORDINATE - s.length);
  return out;
}

function readLength(b: Uint8Array, at: { p: number }): number | undefined {
  const first = b[at.p++];
  if (first === undefined) return undefined;
  if (first < 0x80) return first;
  let n = 0;
  for (let i = 0; i < (first & 0x7f); i++) {
    const byte = b[at.p++];
    if (byte === undefined) return undefined;
    n = n * 256 + byte;
  }
  return n;
}

function readInteger(b: Uint8Array, at: { p: number }): Uint8Array | undefined {
  if (b[at.p++] !== INTEGER) return undefined;
  const len = readLength(b, at);
  if (len === undefined || at.p + len > b.length) return undefined;
  let v = b.subarray(at.p, at.p + len);
  at.p += len;
  while (v.length > 0 && v[0] === 0) v = v.subarray(1);
  return v.length <= COORDINATE ? v : undefined;
}

/**
 * IPv6 addresses as text (RFC 5952 canonical form) and as 16 bytes.
 *
 * Datagrams carry addresses as canonical text so that layers above compare strings; the wire and
 * the link's own filtering use bytes, so both directions must be exact inverses.
 */

const HEX = '0123456789abcdef';

/** RFC 5952 text of the 16 bytes at `b[offset..offset+16)`. */
export function formatIpv6(b: Uint8Array, offset = 0): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[offset + 2 * i]! << 8) | b[offset + 2 * i + 1]!;

  // Section 5: ::ffff:0:0/96 (IPv4-mapped) is written with a dotted quad.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[offset + 12]}.${b[offset + 13]}.${b[offset + 14]}.${b[offset + 15]}`;
  }

  // Section 4.2: compress the longest run of two or more zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }

  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out.length > 0 && !out.endsWith(':')) out += ':';
    out += hex16(g[i]!);
  }
  return out;
}

function hex16(v: number): string {
  // Section 4.1: no leading zeros; section 4.3: lower case.
  if (v < 0x10) return HEX[v]!;
  if (v < 0x100) return HEX[v >> 4]! + HEX[v & 15]!;
  if (v < 0x1000) return HEX[v >> 8]! + HEX[(v >> 4) & 15]! + HEX[v & 15]!;
  return HEX[v >> 12]! + HEX[(v >> 8) & 15]! + HEX[(v >> 4) & 15]! + HEX[v & 15]!;
}

/** Text → canonical text, for canonicalIpv6. */
const canonical = new Map<string, string>();
/** Text → bytes (copied out: callers may change theirs), for parseIpv6Address. */
const parsed = new Map<string, Uint8Array>();
/**
 * A link, a rig or a fleet names a handful of addresses in every datagram it handles: parsing and
 * formatting each anew was a sixth of a fleet meter's allocations. Only valid text is kept, and a
 * full table starts over, so odd input cannot grow it.
 */
const REMEMBERED = 4096;

function remember<V>(table: Map<string, V>, text: string, value: V): void {
  if (table.size >= REMEMBERED) table.clear();
  table.set(text, value);
}

/**
 * Parses any RFC 4291 text form (with `::`, upper case, leading zeros, a trailing dotted quad) into
 * 16 bytes. Zone ids (`%eth0`) are refused: strip them first where a socket API adds them.
 * Throws TypeError naming the text: addresses come from configs and callers, not from the wire.
 */
export function parseIpv6Address(text: string): Uint8Array {
  const known = parsed.get(text);
  if (known !== undefined) return known.slice();
  const bytes = parseText(text);
  remember(parsed, text, bytes.slice());
  return bytes;
}

function parseText(text: string): Uint8Array {
  const fail = (why: string): never => {
    throw new TypeError(`not an IPv6 address: ${JSON.stringify(text)} (${why})`);
  };
  if (typeof text !== 'string') fail('not a string');
  const halves = text.split('::');
  if (halves.length > 2) fail('"::" appears more than once');
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : halves[1]!.split(':')) : [];
  const words: number[] = [];
  const parts = halves.length === 2 ? [...head, ...tail] : head;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    // A dotted quad may only end the whole address, never precede "::".
    const endsAddress = i === parts.length - 1 && (halves.length === 1 || tail.length > 0);
    if (endsAddress && p.includes('.')) {
      const q = p.split('.');
      if (q.length !== 4 || !q.every((s) => /^(0|[1-9][0-9]{0,2})$/.test(s) && Number(s) <= 255)) fail('bad dotted quad');
      const n = q.map(Number);
      words.push((n[0]! << 8) | n[1]!, (n[2]! << 8) | n[3]!);
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) fail(`bad group ${JSON.stringify(p)}`);
    words.push(parseInt(p, 16));
  }
  const out = new Uint8Array(16);
  if (halves.length === 2) {
    if (words.length > 7) fail('too many groups around "::"');
    // The groups before "::" stay at the front; those after it are right-aligned.
    const headWords = head.length;
    for (let i = 0; i < headWords; i++) put(out, i, words[i]!);
    const fillAt = 8 - (words.length - headWords);
    for (let i = headWords; i < words.length; i++) put(out, fillAt + i - headWords, words[i]!);
  } else {
    if (words.length !== 8) fail(`${words.length} groups instead of 8`);
    for (let i = 0; i < 8; i++) put(out, i, words[i]!);
  }
  return out;
}

function put(out: Uint8Array, word: number, v: number): void {
  out[2 * word] = v >> 8;
  out[2 * word + 1] = v & 0xff;
}

/** Whether the 16 bytes at `a[aOff..]` equal `b`. */
export function sameAddress(a: Uint8Array, b: Uint8Array, aOff = 0): boolean {
  for (let i = 15; i >= 0; i--) if (a[aOff + i] !== b[i]) return false;
  return true;
}

/** Text in, canonical text out (throws TypeError on bad text). */
export function canonicalIpv6(text: string): string {
  const known = canonical.get(text);
  if (known !== undefined) return known;
  const out = formatIpv6(parseIpv6Address(text));
  remember(canonical, text, out);
  return out;
}

/**
 * The filters of `hil decode` a field engineer narrows a capture with: one device (by EUI-64 or
 * address), TLVs, response codes, paths and a time window. Each option takes a comma-separated
 * list (any item matches); the options together must all match. Bad option text is a ConfigError
 * naming the option.
 */
import { ConfigError } from '../../core/errors.js';
import { toHex } from '../../core/bytes.js';
import { canonicalIpv6, parseIpv6Address } from '../../drivers/ip/address.js';
import { methodCode } from '../coap/codes.js';
import { parseTlvId, parseTlvIdList, sameTlvId, type TlvId } from '../csmp/tlv-id.js';
import type { MessageFacts } from './conversation.js';
import { parseTimeSpan } from './time-span.js';
import type { CsmpMessage } from './message.js';

export interface FilterOptions {
  device?: string;
  tlv?: string;
  code?: string;
  path?: string;
  since?: string;
  until?: string;
}

/** Whether a decoded message (with what the capture says around it, and its time) is wanted. */
export type MessageFilter = (m: CsmpMessage, facts: MessageFacts, timeMs: number | undefined) => boolean;

export function compileFilter(o: FilterOptions): MessageFilter | undefined {
  const tests: MessageFilter[] = [];
  if (o.device !== undefined) tests.push(deviceFilter(o.device));
  if (o.tlv !== undefined) tests.push(tlvFilter(o.tlv));
  if (o.code !== undefined) tests.push(codeFilter(o.code));
  if (o.path !== undefined) tests.push(pathFilter(o.path));
  if (o.since !== undefined || o.until !== undefined) tests.push(timeFilter(o.since, o.until));
  if (tests.length === 0) return undefined;
  return (m, facts, t) => tests.every((f) => f(m, facts, t));
}

const items = (option: string, text: string): string[] => {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new ConfigError(option, 'value', 'is empty');
  return list;
};

/**
 * An EUI-64: 16 hex digits, bare or in eight pairs joined by ':', '-' or '.' (00:17:3b:00:00:00:00:01);
 * undefined if the text is an IPv6 address. Eight colon-joined pairs also spell a full IPv6
 * address, but that is how tools print an EUI-64, and an address is rarely written that way:
 * --device reads them as the EUI (its SLAAC address matches too).
 */
export function parseEui64(text: string): string | undefined {
  if (/^[0-9a-fA-F]{2}([-:.])[0-9a-fA-F]{2}(\1[0-9a-fA-F]{2}){6}$/.test(text)) return text.replace(/[-:.]/g, '').toUpperCase();
  const bare = text.replace(/[-:.]/g, '');
  if (!/^[0-9a-fA-F]{16}$/.test(bare)) return undefined;
  try {
    parseIpv6Address(text);
    return undefined;
  } catch {
    return bare.toUpperCase();
  }
}

function deviceFilter(text: string): MessageFilter {
  const euis = new Set<string>();
  const addresses = new Set<string>();
  for (const item of items('--device', text)) {
    const eui = parseEui64(item);
    if (eui) {
      euis.add(eui);
      continue;
    }
    try {
      addresses.add(canonicalIpv6(item));
    } catch {
      throw new ConfigError('--device', 'value', `${JSON.stringify(item)} is neither an EUI-64 (16 hex digits, or eight pairs joined by ':' or '-') nor an IPv6 address`);
    }
  }
  return (m, facts) => {
    if (m.src !== undefined && (addresses.has(m.src) || addresses.has(m.dst!))) return true;
    if (euis.size === 0) return false;
    if (facts.device !== undefined && euis.has(facts.device)) return true;
    // A device's address is often its EUI-64 (SLAAC flips the universal/local bit): match before any DeviceID is seen.
    return m.src !== undefined && (euis.has(iidEui(m.src)) || euis.has(iidEui(m.dst!)));
  };
}

/** The EUI-64 a SLAAC interface identifier was made from. */
function iidEui(address: string): string {
  const b = parseIpv6Address(address).subarray(8);
  b[0]! ^= 0x02;
  return toHex(b).toUpperCase();
}

function tlvFilter(text: string): MessageFilter {
  const wanted: TlvId[] = items('--tlv', text).map((t) => {
    try {
      return parseTlvId(t);
    } catch {
      throw new ConfigError('--tlv', 'value', `${JSON.stringify(t)} is not a TLV id (75, or e5771.127 for a vendor TLV)`);
    }
  });
  const hit = (id: TlvId) => wanted.some((w) => sameTlvId(w, id));
  return (m) => {
    if (m.tlvs.some((t) => hit(t))) return true;
    // A GET asks for TLVs by query (doc 8.7: q=75+35); it is about them as much as the answer is.
    for (const q of m.coap?.uriQuery ?? []) {
      if (!q.startsWith('q=')) continue;
      try {
        if (parseTlvIdList(q).some(hit)) return true;
      } catch {
        // A query that is not a TLV list is not asking for one.
      }
    }
    return false;
  };
}

function codeFilter(text: string): MessageFilter {
  const tests = items('--code', text).map((c): ((code: string) => boolean) => {
    const cls = /^([0-7])\.xx$/i.exec(c);
    if (cls) return (code) => code[0] === cls[1];
    try {
      const exact = methodCode(c.toUpperCase());
      return (code) => code === exact;
    } catch {
      throw new ConfigError('--code', 'value', `${JSON.stringify(c)} is not a CoAP code (2.05, 4.xx, GET)`);
    }
  });
  return (m) => m.coap !== undefined && tests.some((t) => t(m.coap!.code));
}

function pathFilter(text: string): MessageFilter {
  const paths = items('--path', text).map((p) => p.replace(/^\/+|\/+$/g, ''));
  return (_m, facts) => facts.path !== undefined && paths.some((p) => facts.path === p || facts.path!.startsWith(`${p}/`));
}

function timeFilter(since: string | undefined, until: string | undefined): MessageFilter {
  const from = since === undefined ? -Infinity : parseTimeSpan('--since', since).start;
  const to = until === undefined ? Infinity : parseTimeSpan('--until', until).end;
  if (from >= to) throw new ConfigError('--since', 'value', `${JSON.stringify(since)} is not before --until ${JSON.stringify(until)}: no frame can be in that window`);
  // A frame without a time (a pcapng simple packet block) cannot be said to be inside the window.
  return (_m, _f, t) => t !== undefined && t >= from && t < to;
}

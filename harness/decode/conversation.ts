/**
 * What one message cannot say alone but the capture around it can: which path a response answers
 * (responses carry no Uri-Path; the request with the same token between the same endpoints does)
 * and which EUI-64 an address belongs to (a DeviceID TLV names its sender). Both tables are
 * bounded, so a capture of any length keeps a constant footprint.
 */
import { TLV } from '../csmp/tlv-ids.js';
import { toHex } from '../../core/bytes.js';
import type { CsmpMessage } from './message.js';

/** Requests awaiting their response, and addresses learnt; oldest forgotten first past this. */
const MAX_ENTRIES = 65_536;

export interface MessageFacts {
  /** The request's path ("r", "c/…"), for a response the path of the request it answers. */
  path: string | undefined;
  /** EUI-64 (16 upper-case hex digits) of the device end, when the capture has said so. */
  device: string | undefined;
  /** The device end's address, when known to be the device. */
  deviceAddress: string | undefined;
}

export class Conversations {
  private readonly pending = new Map<string, string>();
  private readonly euiByAddress = new Map<string, string>();

  observe(m: CsmpMessage): MessageFacts {
    const c = m.coap;
    let path: string | undefined;
    if (c) {
      const request = c.code.startsWith('0.') && c.code !== '0.00';
      const key = (a: string | undefined, ap: number | undefined, b: string | undefined, bp: number | undefined) => `${a}|${ap}|${b}|${bp}|${toHex(c.token)}`;
      if (request) {
        path = c.uriPath.join('/');
        remember(this.pending, key(m.src, m.srcPort, m.dst, m.dstPort), path);
      } else {
        const k = key(m.dst, m.dstPort, m.src, m.srcPort);
        path = this.pending.get(k);
        // Answered: forgotten, so the table holds only what is outstanding. A repeated response
        // (its ACK lost) then shows no path, as tshark shows no request frame for it.
        if (path !== undefined && c.type !== 'CON') this.pending.delete(k);
      }
    }
    const named = deviceIdOf(m);
    if (named && m.src !== undefined) remember(this.euiByAddress, m.src, named);
    const fromSrc = m.src !== undefined ? this.euiByAddress.get(m.src) : undefined;
    const fromDst = m.dst !== undefined ? this.euiByAddress.get(m.dst) : undefined;
    const device = named ?? fromSrc ?? fromDst;
    const deviceAddress = named || fromSrc ? m.src : fromDst ? m.dst : undefined;
    return { path, device, deviceAddress };
  }
}

function remember(map: Map<string, string>, key: string, value: string): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

/** The EUI-64 a DeviceID TLV (doc 6.2, type 2) gives, upper-case hex. */
export function deviceIdOf(m: CsmpMessage): string | undefined {
  for (const t of m.tlvs) {
    if (t.type !== TLV.DeviceID || t.vendor) continue;
    const id = t.value?.id;
    if (typeof id === 'string' && id) return id.toUpperCase();
    if (id instanceof Uint8Array) return toHex(id).toUpperCase();
  }
  return undefined;
}

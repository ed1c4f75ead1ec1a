/**
 * Address helpers of the meter model on top of drivers/ip: text ↔ bytes (RFC 5952 canonical
 * text, the form Datagram uses), the EUI-64-derived link-local address, multicast.
 */
import { canonicalIpv6, formatIpv6, parseIpv6Address } from '../../../drivers/ip/address.js';

export { canonicalIpv6, formatIpv6 };

export function parseIpv6(text: string): Uint8Array {
  return parseIpv6Address(text);
}

/** fe80::/64 with the modified EUI-64 interface identifier (U/L bit flipped, RFC 4291 2.5.1). */
export function linkLocalFromEui64(eui64: Uint8Array): string {
  const b = new Uint8Array(16);
  b[0] = 0xfe;
  b[1] = 0x80;
  b.set(eui64, 8);
  b[8] = b[8]! ^ 0x02;
  return formatIpv6(b);
}

export function isMulticast(text: string): boolean {
  return /^ff/i.test(text);
}

export function eui64Bytes(hex: string): Uint8Array {
  const clean = hex.replace(/[:-]/g, '');
  if (!/^[0-9a-fA-F]{16}$/.test(clean)) throw new RangeError(`not an EUI-64: ${hex}`);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

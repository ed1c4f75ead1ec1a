/**
 * A frame the harness sent, as a crash verdict names its input: what it was (CoAP type, method,
 * path, message ID, signed or not), the IPv6 packet's bytes as they crossed the wire, and each
 * TLV decoded. A certifier can hand the hex to `hil decode --hex` or a firmware engineer as is.
 */
import type { FrameEvent } from '../model/observations.js';

export function describeSentFrame(f: FrameEvent): string {
  const c = f.coap;
  const head = c
    ? `${c.type} ${c.codeName} /${c.uriPath.join('/')}${c.uriQuery.length ? `?${c.uriQuery.join('&')}` : ''} mid 0x${c.messageId.toString(16).padStart(4, '0')}${f.signature ? ' (signed)' : ''}`
    : `not CoAP${f.error ? ` (${f.error.layer}: ${f.error.reason} at byte ${f.error.offset})` : ''}`;
  const bytes = f.hex.length / 2;
  const lines = [`${head} to [${f.dst}]:${f.dstPort ?? '?'}; IPv6 packet, ${bytes} bytes: ${f.hex.replace(/(..)(?!$)/g, '$1 ')}`];
  for (const t of f.tlvs) {
    const value = t.value ? JSON.stringify(t.value) : `raw ${t.raw}`;
    lines.push(`  [${t.type}/${t.name}]: ${value}${t.error ? ` (! ${t.error.reason})` : ''}`);
  }
  if (f.error && c) lines.push(`  ! ${f.error.layer}: ${f.error.reason} at byte ${f.error.offset}`);
  return lines.join('\n');
}

/**
 * Literal bytes in tests, written as the protocol document prints them ('41 01 00 01', line
 * breaks allowed). Throws on a typo so a mistyped vector fails loudly instead of shrinking.
 */
import { fromHex } from '../../core/bytes.js';

export function hexBytes(text: string): Uint8Array {
  const bytes = fromHex(text.replace(/\s+/g, ''));
  if (!bytes) throw new Error(`not hex (pairs of 0-9a-f, whitespace allowed): ${JSON.stringify(text)}`);
  return bytes;
}

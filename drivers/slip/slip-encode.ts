/** SLIP framing bytes (RFC 1055). */
export const END = 0xc0;
export const ESC = 0xdb;
export const ESC_END = 0xdc;
export const ESC_ESC = 0xdd;

/**
 * Encodes one frame as END, escaped bytes, END. The leading END flushes whatever line noise the
 * receiver has buffered so it cannot prefix our frame (RFC 1055, "SLIP drivers"); receivers treat
 * the resulting empty frame as nothing.
 */
export function slipEncode(frame: Uint8Array): Uint8Array {
  let specials = 0;
  for (let i = 0; i < frame.length; i++) {
    const b = frame[i]!;
    if (b === END || b === ESC) specials++;
  }
  const out = new Uint8Array(frame.length + specials + 2);
  out[0] = END;
  if (specials === 0) {
    out.set(frame, 1);
  } else {
    let o = 1;
    for (let i = 0; i < frame.length; i++) {
      const b = frame[i]!;
      if (b === END) { out[o++] = ESC; out[o++] = ESC_END; }
      else if (b === ESC) { out[o++] = ESC; out[o++] = ESC_ESC; }
      else out[o++] = b;
    }
  }
  out[out.length - 1] = END;
  return out;
}

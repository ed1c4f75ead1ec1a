/**
 * Text that came from devices (console output, decoded strings) may hold anything. XML 1.0 forbids
 * most control characters outright and xmlbuilder2 passes them through, producing a file no parser
 * accepts; terminals interpret them. Forbidden characters become visible escapes so nothing is lost.
 */

// ANSI colour and cursor sequences from board consoles carry no information for a report.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// Complement of XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; lone surrogates included.
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

export function xmlSafe(text: string): string {
  return text.replace(ANSI, '').replace(NOT_XML_CHAR, escapeChar);
}

/** One line of terminal or TAP text: no control characters, no line breaks. */
export function lineSafe(text: string): string {
  return text.replace(ANSI, '').replace(/\r?\n/g, ' ').replace(/[\x00-\x1f\x7f]/g, escapeChar);
}

/**
 * Text that may be key material must never reach a message, a log or a report. A rig names its
 * signing key by path; a lab that pastes the key itself into `signing.key` would otherwise see it
 * echoed in "file not found: …" — and it need not be PEM: a plain YAML scalar folds the base64
 * lines of a pasted body into one line with spaces, and a key is also passed around as one line
 * of base64 DER, a base64url JWK `d` or the scalar in hex.
 */
const PEM = /-----BEGIN|PRIVATE KEY|\n/;
// Base64 words of 20 characters or more, as YAML joins the lines of a body; the last may be short.
const BASE64_RUN = /[A-Za-z0-9+/_-]{20,}(?:\s+[A-Za-z0-9+/_-]{20,})*(?:\s+[A-Za-z0-9+/_-]+)?/g;
// 32 hex digits are 16 bytes, half a P-256 scalar; openssl prints bytes as xx:xx:….
const HEX_RUN = /[0-9A-Fa-f]{32,}|(?:[0-9A-Fa-f]{2}[:\s]){15,}[0-9A-Fa-f]{2}/;
const MIN_BASE64 = 40;

/** What a message says in place of text that looks like key material given where a path belongs. */
export const KEY_MATERIAL_NOT_SHOWN = '(not shown: it looks like key material; give the path of a PEM file)';

/** Why PEM text given where a path belongs is refused, the text unseen. */
export const PEM_NOT_A_PATH = "holds PEM text instead of a path; write it to a file and give the file's path (the text is not shown)";

/** PEM text or a line break: never a path, so refused outright rather than only hidden. */
export function looksLikePemText(text: string): boolean {
  return PEM.test(text);
}

/** Whether `text` looks like key material rather than a path, a word or an id. */
export function looksLikeKeyMaterial(text: string): boolean {
  if (PEM.test(text) || HEX_RUN.test(text)) return true;
  for (const [run] of text.matchAll(BASE64_RUN)) if (randomLooking(run.replace(/\s+/g, ''))) return true;
  return false;
}

/**
 * 40 base64 characters carry 30 bytes. Random ones mix both cases with a digit or '+' (all but
 * about 1 in 2,000) or with many of each case; a path of words (/Users/JohnSmith/Documents) has
 * neither, so it is still shown.
 */
function randomLooking(run: string): boolean {
  if (run.length < MIN_BASE64) return false;
  const upper = run.replace(/[^A-Z]/g, '').length;
  const lower = run.replace(/[^a-z]/g, '').length;
  if (upper === 0 || lower === 0) return false;
  return /[0-9+]/.test(run) || (upper >= 8 && lower >= 8);
}

/** A value as it may appear in a message: quoted, cut to 60 characters, key material never. */
export function shownText(text: string): string {
  if (looksLikeKeyMaterial(text)) return 'key material (not shown)';
  return text.length > 60 ? `'${text.slice(0, 57)}…'` : `'${text}'`;
}

/** `what` (an option) and the path given for it, the note above in place of a path that looks like key material. */
export function namedPath(what: string, path: string): string {
  return `${what} ${looksLikeKeyMaterial(path) ? KEY_MATERIAL_NOT_SHOWN : path}`;
}

/** `path` as a message may show it; in place of one that looks like key material, `what` it was given for and the note above. */
export function shownPath(path: string, what: string): string {
  return looksLikeKeyMaterial(path) ? `${what} ${KEY_MATERIAL_NOT_SHOWN}` : path;
}

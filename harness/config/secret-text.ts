/**
 * Text that may be key material must never reach a message, a log or a report. A rig names its
 * signing key by path; a lab that pastes the PEM itself into `signing.key` would otherwise see the
 * whole private key echoed in "file not found: …".
 */
const PEM_OR_KEY = /-----BEGIN|PRIVATE KEY|\n/;

/** Whether `text` looks like key material rather than a path or a word. */
export function looksLikeKeyMaterial(text: string): boolean {
  return PEM_OR_KEY.test(text);
}

/** A value as it may appear in a message: quoted, cut to 60 characters, key material never. */
export function shownText(text: string): string {
  if (looksLikeKeyMaterial(text)) return 'key material (not shown)';
  return text.length > 60 ? `'${text.slice(0, 57)}…'` : `'${text}'`;
}

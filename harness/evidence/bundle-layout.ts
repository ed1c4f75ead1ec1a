/**
 * A certification bundle folder:
 *
 *   manifest.dsse.json   DSSE envelope; its payload is the in-toto Statement (the signed manifest)
 *   manifest.json        the same Statement, indented, for people (checked against the signed one)
 *   signer.pub.pem       the public key that signed (the lab key's; absent when unsigned)
 *   reports/             junit.xml, report.html, events.jsonl, attachments/… (each listed by SHA-256)
 */
export const ENVELOPE_FILE = 'manifest.dsse.json';
export const MANIFEST_FILE = 'manifest.json';
export const PUBLIC_KEY_FILE = 'signer.pub.pem';
export const REPORTS_DIR = 'reports';
/**
 * Written instead of the manifest when certification is stopped (a signal): the results gathered
 * until then, unsigned, so the folder is never taken for a complete bundle.
 */
export const INTERRUPTED_FILE = 'interrupted.json';
/** Files of the bundle that the manifest cannot list (itself, its signature, the key). */
export const BUNDLE_OWN_FILES: readonly string[] = [ENVELOPE_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE];
/** The reports every certification run writes (JUnit, HTML, event log): a bundle without one is not whole. */
export const REPORT_FILES: readonly string[] = ['junit.xml', 'report.html', 'events.jsonl'].map((f) => `${REPORTS_DIR}/${f}`);
/** The JUnit file, whose attachment lines name files relative to its own folder. */
export const JUNIT_FILE = `${REPORTS_DIR}/junit.xml`;

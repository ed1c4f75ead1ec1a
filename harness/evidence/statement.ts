/**
 * The certification manifest as an in-toto Statement v1 (github.com/in-toto/attestation, spec v1):
 * its subject is the firmware image (by SHA-256), its predicate everything a certifier needs to
 * trust the verdict: the hash the devices themselves report, which devices, rig, harness and
 * suites (each by content hash), every verdict, and every report file of the bundle by SHA-256.
 */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
// A URN, not a URL: the predicate is this project's own, and no web page is claimed for it.
export const PREDICATE_TYPE = 'urn:csmp-hil:predicate:certification:v1';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export interface DigestSet {
  sha256: string;
}

export interface DeviceEvidence {
  name: string;
  /** EUI-64 the rig names, and the DeviceID the device gave (GET 2). */
  eui64: string;
  reportedEui64?: string;
  /** Hardware id the rig expects, and the one in the running slot (GET 75). */
  hwId: string;
  reportedHwId?: string;
  reportedVersion?: string;
  /** SHA-256 of the running image as the device reports it in FirmwareImageInfo (TLV 75). */
  reportedImageSha256?: string;
  /** Whether the reported hash is the image's. */
  runsImage: boolean;
  problem?: string;
}

export interface Verdict {
  test: string;
  suite: string;
  device: string;
  /** Last attempt's status, or 'flaky' for a pass after a retry. */
  outcome: string;
  attempts: number;
  message?: string;
}

export interface EvidenceFile {
  /** Path inside the bundle, '/' separated. */
  path: string;
  digest: DigestSet;
  size: number;
}

export interface CertificationPredicate {
  verdict: 'certified' | 'not certified';
  reasons: string[];
  firmware: { file: string; digest: DigestSet; size: number };
  devices: DeviceEvidence[];
  rig: { name: string; file: string; digest: DigestSet };
  harness: { name: string; version: string };
  suiteSet: { name: string; version: number | string; file: string; digest: DigestSet };
  suites: { name: string; file: string; digest: DigestSet }[];
  run?: { startTime: string; durationMs: number; status: string; counts: Record<string, number> };
  verdicts: Verdict[];
  files: EvidenceFile[];
  /**
   * Every folder of the bundle at signing, '/' separated. Absent in bundles made before it was
   * recorded: verify then accepts only the folders that hold a signed file.
   */
  folders?: string[];
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: { name: string; digest: DigestSet }[];
  predicateType: typeof PREDICATE_TYPE;
  predicate: CertificationPredicate;
}

export function statement(imageName: string, predicate: CertificationPredicate): Statement {
  return { _type: STATEMENT_TYPE, subject: [{ name: imageName, digest: predicate.firmware.digest }], predicateType: PREDICATE_TYPE, predicate };
}

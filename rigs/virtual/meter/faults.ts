/**
 * Faulty device models a rig can give a virtual meter (rig file `virtual.meters[].faults`).
 * Each names one way real meter firmware has been seen to get CSMP wrong; a healthy meter has
 * none and behaves like the reference agent (csmp-protocol.md 3.5, 6, 7).
 */
export const FAULTS = {
  'accept-unsigned-post': 'processes POSTs without a Signature TLV although signatures are required (no 4.03)',
  'ignore-signature-validity': 'does not check SignatureValidity against its clock (a skewed clock goes unnoticed)',
  'accept-bad-signature': 'accepts any Signature value: ECDSA failures count as sigOk',
  'report-cert-valid': 'CGMSStatus.NMSCertValid says true even when the NMS certificate is damaged',
  'ignore-group-assign': 'answers GroupAssign with 2.01 but keeps its old group ids',
  'reply-to-nms-address': 'answers CON requests at the configured NMS address and port instead of the requester (load-balancer VIP case)',
  'reply-to-nms-host': "answers CON requests at its configured NMS address but on the requester's port (only the address is wrong: a head-end bound to every address would take it)",
  'reply-from-wrong-address': 'answers CON requests from its client port and link-local address instead of where the request was sent',
  'no-reregister-after-4xx': 'a 4.xx reply ends registration for good: no retries while registering, no re-registration once registered',
  'drop-every-nth': 'silently drops every Nth request it receives (faultOptions.dropEvery, default 3); replies to its own requests get through',
  'malformed-tlvs': 'every payload it sends has a last TLV whose length claims one byte more than is there',
  'apply-after-signature': 'applies TLVs placed after the Signature TLV (which the signature does not cover)',
  'give-up-registration': 'stops sending registrations after N unanswered attempts in a row (faultOptions.regAttempts, default 3) until the next boot',
  'demo-mode-sticky': "the console's 'demo off' answers as if done, but DemoModeEnable stays true in the configuration file",
  'accepts-bad-hash': 'marks an uploaded image complete without checking its SHA-256 against the announced hash: a corrupted or mislabelled image becomes loadable',
  'loses-upload-slot-on-power-loss': 'an upload in progress is gone after a power cut: the transfer starts over instead of resuming',
  'loads-at-wrong-time': 'activates an accepted LoadRequest within seconds, whatever its load time',
  'no-fallback-when-image-fails': 'when a new image does not boot it keeps trying it (silent, never registers) instead of starting the backup image',
  'reports-old-version-after-load': 'reboots for a load but FirmwareImageInfo still shows the old image running',
  'accepts-wrong-hardware': "accepts a TransferRequest whose hwInfo.hwId is not the running image's",
  'ignores-cancel-load': 'answers CancelLoadRequest with OK but loads the image anyway',
  'crashes-without-hwinfo': "a TransferRequest without hwInfo kills the agent (SIGSEGV), as the reference sample's does",
  'tears-last-block-at-power-loss': 'marks an ImageBlock received in flash at once but holds its bytes in a RAM page buffer until the next block: a power cut loses the last block written while its bit stays set, so the resumed image fails its hash',
  'backup-accepts-bad-hash': 'SetBackupRequest takes any image whose blocks are all in, its SHA-256 unchecked: a corrupted or mislabelled image becomes the backup the meter falls back to',
  'cancelled-load-runs-at-next-boot': "writes an accepted load into the slot table in flash, where the boot loader reads it; CancelLoadRequest stops the load timer but leaves that record: the next boot (a power cycle) starts the cancelled image",
  ...{
    // Security and robustness models (suites 10-security, 11-robustness).
    'sticky-group-match': 'compares GroupMatch only until it first matches a group type; later GroupMatch TLVs of that type pass unchecked',
    'ignore-group-match': 'never compares GroupMatch: requests for other groups are applied',
    'accept-expired-signature': "does not compare SignatureValidity.notAfter with its clock: expired signatures verify",
    'accept-future-signature': "does not compare SignatureValidity.notBefore with its clock: not-yet-valid signatures verify",
    'not-before-leeway': 'allows 15 minutes of clock skew before SignatureValidity.notBefore: a signature that only becomes valid up to 15 minutes from now already verifies (CSMP allows none: notBefore <= now)',
    'applies-post-without-validity': 'a signed POST without SignatureValidity has its TLVs applied before the check that refuses it: it answers 4.01 with the change already made',
    'accept-malformed-der': 'reads the ECDSA signature leniently (trailing bytes, long-form or padded r/s) instead of as strict DER',
    'signature-values-reduced-mod-n': "its ECDSA verifier has no range check on r and s: it reduces them mod n instead of refusing values not below the curve order, so (r + n, s) and (r, s + n) verify like the genuine (r, s)",
    'accept-replay': 'caches signatures it verified once and accepts them again without checking their validity window',
    'register-on-wrong-key': 'does not verify the ECDSA signature of a registration response (any key is accepted)',
    'stop-registering-on-bad-signature': 'a registration response whose signature fails stops its registration timer until the next boot: it rejects the 2.03, then sends nothing more (the NMS still shows it Registering)',
    'crash-on-description-in-203': 'a DescriptionRequest in a registration response kills the agent (SIGSEGV), as the reference agent does',
    'crash-on-report-interval-0': 'a registration leaving report interval 0 kills the agent (SIGFPE), as the reference agent does',
    // One per crash class the robustness judge tells apart (crash-class.ts): rebooted, hung, degraded.
    'reboot-on-oversized-datagram': 'a datagram larger than the IPv6 minimum MTU (1280 bytes with headers) overruns its receive buffer and the watchdog resets the board: it boots afresh (uptime from 0) and registers again',
    'hang-on-slip-garbage': 'bytes on its serial line that are no SLIP-framed IPv6 packet hang the whole board: radio silent and console prompt dead until a power cycle',
    'reset-stats-on-unknown-tlv': 'a POST carrying a TLV type it does not know, past the end of its handler table (above 127), writes over its CGMSStats counters: they read 0 again (it keeps running and answering, uptime continuous)',
  },
  // Protocol timing (issue 8 item 5): caught by the registration suite's attempt counts and rate.
  'registration-storm': 'ignores its trickle timer: sends POST /r about every device second, and goes on after the 2.03 (a registration storm that floods the mesh)',
  'keeps-registering-when-registered': 'does not stop its registration timer on the 2.03: POST /r keeps coming on its trickle while it reports, each answered and counted as a registration',
  'retries-once-after-4xx': 'after a 4.xx to its registration it sends one more POST /r, then gives up until the next boot',
  'ignores-report-interval': 'reports every 12 device seconds, its own default, whatever interval the NMS subscribed it to',
  'reboot-loop': 'the watchdog resets the board about every N device seconds after each boot (faultOptions.rebootEvery, default 50), forever: it registers again after every boot',
} as const;

export type FaultName = keyof typeof FAULTS;

export function isFaultName(s: string): s is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULTS, s);
}

export interface FaultOptions {
  /** drop-every-nth: N (≥ 2). */
  dropEvery?: number;
  /** give-up-registration: unanswered attempts before it stops (≥ 1). */
  regAttempts?: number;
  /** reboot-loop: device seconds from a boot to the next reset (≥ 10). */
  rebootEvery?: number;
}

export class FaultSet {
  private readonly set: ReadonlySet<FaultName>;
  constructor(
    faults: readonly FaultName[] = [],
    readonly options: FaultOptions = {},
  ) {
    this.set = new Set(faults);
  }
  has(f: FaultName): boolean {
    return this.set.has(f);
  }
  list(): FaultName[] {
    return [...this.set];
  }
  get dropEvery(): number {
    return Math.max(2, this.options.dropEvery ?? 3);
  }
  get regAttempts(): number {
    return Math.max(1, this.options.regAttempts ?? 3);
  }
  get rebootEvery(): number {
    return Math.max(10, this.options.rebootEvery ?? 50);
  }
}

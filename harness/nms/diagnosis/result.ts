/** What a diagnosis says: the flowchart branch it lands in, what was looked at, the cause and the fix. */

/** The branches of the CSMP registration troubleshooting flowchart (csmp-protocol.md 9), plus 'silent', 'inconclusive' and 'healthy'. */
export type DiagnosisBranch =
  | 'registration'
  | 'firmware-group'
  | 'firmware-info'
  | 'nms-cert'
  | 'flash-corruption'
  | 'demo-mode'
  | 'clock-skew'
  | 'firewall'
  | 'load-balancer'
  /** Not a flowchart branch: the device answered nothing, so none could be decided. */
  | 'silent'
  /** Not a flowchart branch: no branch matched what was answered, but some looks went unanswered. */
  | 'inconclusive'
  | 'healthy';

export interface Evidence {
  what: string;
  seen: string;
}

export interface Diagnosis {
  branch: DiagnosisBranch;
  evidence: Evidence[];
  cause: string;
  fix: string;
}

/** The diagnosis on everything looked at so far, plus what the branch itself points at. */
export function conclude(
  looked: { readonly evidence: readonly Evidence[] },
  branch: DiagnosisBranch,
  cause: string,
  fix: string,
  extra: readonly Evidence[] = [],
): Diagnosis {
  return { branch, evidence: [...looked.evidence, ...extra], cause, fix };
}

/**
 * CGMSStats (TLV 45) counters since the agent started (csmp-protocol.md 5.2, 7.5). regHolds is
 * never moved by the reference agent; sigNoSignature is internal (not in TLV 45) but kept for
 * the console.
 */
export interface AgentStats {
  sigOk: number;
  sigBadAuth: number;
  sigBadValidity: number;
  sigNoSync: number;
  regSucceed: number;
  regAttempts: number;
  regHolds: number;
  regFails: number;
  nmsErrors: number;
  sigNoSignature: number;
  metricsReports: number;
}

export function newStats(): AgentStats {
  return {
    sigOk: 0,
    sigBadAuth: 0,
    sigBadValidity: 0,
    sigNoSync: 0,
    regSucceed: 0,
    regAttempts: 0,
    regHolds: 0,
    regFails: 0,
    nmsErrors: 0,
    sigNoSignature: 0,
    metricsReports: 0,
  };
}

/** The TLV 45 field set, every field present (the agent sends zeros). */
export function cgmsStatsFields(s: AgentStats): Record<string, number> {
  return {
    sigOk: s.sigOk,
    sigBadAuth: s.sigBadAuth,
    sigBadValidity: s.sigBadValidity,
    sigNoSync: s.sigNoSync,
    regSucceed: s.regSucceed,
    regAttempts: s.regAttempts,
    regHolds: s.regHolds,
    regFails: s.regFails,
    nmsErrors: s.nmsErrors,
  };
}

/**
 * The CSMP registration troubleshooting flowchart (csmp-protocol.md 9), walked against one device.
 *
 * WALK lists the branch checks in the order they decide when several would match: what the NMS
 * alone can tell (its firewall, misrouted answers, a refused registration) before the device is
 * asked anything; flash corruption before the certificate (the flowchart's bad-certificate case
 * needs the SSID present); clock skew before a signature rejected on its key; the specific
 * branches before the catch-all registration one. A device that answers no status GET stops the
 * walk as 'silent' (branches/silent.ts): no branch is guessed from missing answers. Each check names the last look it needs; a
 * look runs once, when the first check that needs it comes up, so what is asked and recorded as
 * evidence stops at the branch that matched. A walk that reaches the end with a look unanswered
 * (or only stood in for by what the NMS learnt before) is 'inconclusive' (branches/inconclusive.ts),
 * never 'healthy': an unanswered check matches no branch, and so would pass by default.
 *
 * The walk is pure over DiagnosisFacts + DiagnosisProbe, so each branch can be tested on scripted
 * evidence; harness/steps/diagnosis.ts supplies the live ones.
 */
import { clockSkew } from './branches/clock-skew.js';
import { demoMode } from './branches/demo-mode.js';
import { firewallDropping, firewallSilentDevice } from './branches/firewall.js';
import { firmwareGroup } from './branches/firmware-group.js';
import { firmwareInfo } from './branches/firmware-info.js';
import { flashCorruption } from './branches/flash-corruption.js';
import { inconclusive, openChecks } from './branches/inconclusive.js';
import { loadBalancer } from './branches/load-balancer.js';
import { nmsCertInvalid, nmsSignatureRejected } from './branches/nms-cert.js';
import { registrationRefused, registrationStalled } from './branches/registration.js';
import { silentDevice } from './branches/silent.js';
import type { NmsEvent } from '../events.js';
import type { DiagnosisFacts, DiagnosisProbe, Facts, LookName, Looked, UpTo } from './facts.js';
import { lookUpTo, newFacts } from './looks.js';
import { conclude, type Diagnosis } from './result.js';
import { rebootLoop } from './reboot-loop.js';
import { attemptTimes, registrationStorm } from './storm.js';

interface Step {
  /** The last look the check needs (every look before it in LOOK_ORDER is made too). */
  after: LookName;
  check: (f: Facts) => Diagnosis | undefined;
}

function step<K extends LookName>(after: K, check: (f: Looked<UpTo<K>>) => Diagnosis | undefined): Step {
  return { after, check: check as (f: Facts) => Diagnosis | undefined };
}

export const WALK: readonly Step[] = [
  step('nms', firewallDropping),
  step('nms', loadBalancer),
  step('nms', registrationRefused),
  step('status', firewallSilentDevice),
  step('status', silentDevice),
  step('status', flashCorruption),
  step('status', nmsCertInvalid),
  step('console', demoMode),
  step('signatures', clockSkew),
  step('signatures', nmsSignatureRejected),
  step('groups', firmwareGroup),
  step('firmware', firmwareInfo),
  step('firmware', registrationStalled),
];

export async function diagnose(given: DiagnosisFacts, probe: DiagnosisProbe): Promise<Diagnosis> {
  const facts = newFacts(given);
  for (const s of WALK) {
    await lookUpTo(facts, probe, s.after);
    const d = s.check(facts);
    if (d) return withStorm(d, given, facts);
  }
  const end = inconclusive(facts) ?? conclude(facts, 'healthy', 'The device is up and every check of the flowchart passed.', 'Nothing to fix.');
  return withStorm(end, given, facts);
}

/**
 * A registration storm is said whatever the branch; a device that passed every other check is
 * not healthy for it (it is up, and floods the mesh): the registration branch, on that evidence.
 * A reboot loop likewise, when there is no storm (a storm's /r would read as boots too). Both are
 * read off the NMS's own log, so they decide an inconclusive walk too, which says its open checks.
 */
function withStorm(d: Diagnosis, given: DiagnosisFacts, facts: Facts): Diagnosis {
  // The window's attempts and the last minute's, each once (an event can be in both).
  const storm = registrationStorm(attemptTimes(onceEach(given.events, given.recentAttempts)));
  if (!storm) return withLoop(d, given, facts);
  const fix = "Check the device's registration retry timer (trickle min/max, CGMSSettings TLV 42): it must wait between attempts and stop once registered.";
  const evidence = [...d.evidence, { what: 'registration attempts (NMS event log)', seen: storm }];
  if (d.branch === 'healthy' || d.branch === 'inconclusive') {
    return { branch: 'registration', evidence, cause: withOpen(`The device is ${given.state}, but sends POST /r far faster than its retry timer allows: a ${storm}.`, d, facts), fix };
  }
  return { ...d, evidence, cause: `${d.cause} Also a ${storm}.`, fix: `${d.fix} ${fix}` };
}

function withLoop(d: Diagnosis, given: DiagnosisFacts, facts: Facts): Diagnosis {
  // Within the window only: boots before a test began (a run's start, an earlier suite) would make
  // the same device's verdict depend on how long the run took to get here.
  const loop = rebootLoop(given.events, given.restarts ?? []);
  if (!loop) return d;
  const fix = "Read the device's console log across a reset (watchdog, crash dump): something resets it shortly after every boot.";
  const evidence = [...d.evidence, { what: 'registrations (NMS event log)', seen: loop }];
  if (d.branch === 'healthy' || d.branch === 'inconclusive') {
    return { branch: 'registration', evidence, cause: withOpen(`The device answers, but keeps rebooting on its own: a ${loop}.`, d, facts), fix };
  }
  return { ...d, evidence, cause: `${d.cause} Also a ${loop}.`, fix: `${d.fix} ${fix}` };
}

function withOpen(cause: string, d: Diagnosis, facts: Facts): string {
  return d.branch === 'inconclusive' ? `${cause} ${openChecks(facts)}` : cause;
}

/** Events of the window and of a lookback, each once (an event can be in both), oldest first. */
function onceEach(window: readonly NmsEvent[], lookback: readonly NmsEvent[] = []): NmsEvent[] {
  return [...new Map([...window, ...lookback].map((e) => [e.seq, e])).values()].sort((a, b) => a.seq - b.seq);
}

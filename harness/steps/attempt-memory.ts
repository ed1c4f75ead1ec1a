/**
 * What the steps of one attempt of a test remember between them (kept in StepContext.memory):
 * where the test began on the NMS's event log and clock, the last value read per TLV and the first
 * (counter baselines), the last answer to a get/post, and where the last power step happened (a
 * state or registration seen before it does not count after it).
 */
import type { DiagnosisWindow } from '../nms/diagnosis/facts.js';
import type { DecodedTlv } from '../csmp/value.js';
import type { StepContext } from '../runner/executor.js';
import type { Bench } from './bench.js';
import { linkDrops, type LinkDrops } from './link-trouble.js';
import type { Row } from './values.js';

/** One GET of one TLV, with its instances as rows. */
export interface Read {
  what: string;
  code: string;
  rows: Row[];
  tlvs: DecodedTlv[];
}

/** The device's answer to a get or post: what expect-reply judges. */
export interface Reply {
  what: string;
  code: string;
  tlvs: DecodedTlv[];
}

export interface AttemptMemory {
  window: DiagnosisWindow;
  /** Set by power steps: states and registrations from before it do not count. */
  fresh?: { seq: number; at: number };
  reads: Map<number, Read>;
  firstReads: Map<number, Read>;
  reply?: Reply;
  /** The NMS client's request counts for the device when the attempt began. */
  requests: { sent: number; unanswered: number };
  /** What the device's link had dropped when the attempt began (link-trouble.ts). */
  linkDrops: LinkDrops;
}

const MEMORY_KEY = 'steps.attempt';

/** The attempt's memory, begun at its first step. */
export function attemptMemory(bench: Bench, ctx: StepContext): AttemptMemory {
  let a = ctx.memory.get(MEMORY_KEY) as AttemptMemory | undefined;
  if (!a) {
    const { nms, clock } = bench;
    a = {
      window: { eventSeq: nms.events.mark(), atMs: clock.now(), misroutes: nms.misrouteSnapshot(ctx.device.name) },
      reads: new Map(),
      firstReads: new Map(),
      requests: nms.client.requestStats(ctx.device.name),
      linkDrops: linkDrops(bench, ctx.device.link),
    };
    ctx.memory.set(MEMORY_KEY, a);
  }
  return a;
}

/** From here on the board counts as newly booted (a power step, a console reboot). */
export function markNewBoot(bench: Bench, a: AttemptMemory, device: string): void {
  a.fresh = { seq: bench.nms.events.mark(), at: bench.clock.now() };
  bench.journal(device).newBoot = true;
  bench.noteRestart(device);
}

/**
 * The harness asks the device to reboot (a RebootRequest or LoadRequest it sends): marked before
 * the request leaves, since the reboot may follow the answer at once. Returns the undo for a
 * refused request, so a device that said no and then rebooted anyway is still judged for it.
 */
export function markAskedBoot(bench: Bench, a: AttemptMemory, device: string): () => void {
  const journal = bench.journal(device);
  const before = { fresh: a.fresh, newBoot: journal.newBoot };
  a.fresh = { seq: bench.nms.events.mark(), at: bench.clock.now() };
  journal.newBoot = true;
  const at = bench.noteRestart(device);
  return () => {
    if (before.fresh) a.fresh = before.fresh;
    else delete a.fresh;
    journal.newBoot = before.newBoot;
    bench.withdrawRestart(device, at);
  };
}

/** The events that count: since the test began, or since its last power or restart step (a new boot). */
export const eventsSince = (a: AttemptMemory): number => Math.max(a.window.eventSeq, a.fresh?.seq ?? 0);

/** NMS events that show the device sending a POST /r: answered 2.03, refused, or dropped by the NMS firewall. */
export const REGISTRATION_ATTEMPTS: ReadonlySet<string> = new Set(['registrationRequest', 'registrationRejected', 'registrationBlocked']);

/**
 * The device was seen trying to register after the last restart this attempt asked for: it came
 * back from that restart, so what it counts since boot it counts since then.
 */
export function bootSeen(bench: Bench, a: AttemptMemory, device: string): boolean {
  if (!a.fresh) return false;
  return bench.nms.events.find((e) => e.device === device && REGISTRATION_ATTEMPTS.has(e.name), a.fresh.seq).length > 0;
}

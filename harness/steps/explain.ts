/**
 * Why a step failed, when the suite does not say (`otherwise`):
 *
 * - a request nobody answered: the answers seen on the wire tell a device answering from or to
 *   the wrong address (the load-balancer case) from one losing some requests and answering
 *   others (a lossy mesh) — failUnanswered;
 * - a failure on a device that rebooted on its own during the test: that reboot, read from its
 *   Uptime — unasked-reboot.ts;
 * - any other failure: the troubleshooting flowchart is walked against the device, and its
 *   branch, evidence, cause and fix are reported — explainByFlowchart. That is what makes a
 *   baseline test against a broken meter name the branch.
 */
import { describeLinkDrops, linkDrops } from './link-trouble.js';
import { formatDuration } from '../../core/duration.js';
import { CoapTimeoutError } from '../coap/errors.js';
import { TLV } from '../csmp/tlv-ids.js';
import type { Diagnosis } from '../nms/diagnosis/result.js';
import type { EventTimeoutError } from '../nms/events.js';
import type { StepOutcome } from '../runner/executor.js';
import { BRANCH_HEADLINE } from './branches.js';
import { CONFIG_READ, consoleCommand } from './device-control.js';
import { diagnoseDevice, evidenceLines } from './diagnosis.js';
import { fail } from './outcome.js';
import { strayAnswers } from './seen.js';
import { remainingMs, type StepRun } from './step-run.js';
import { explainByUnaskedReboot } from './unasked-reboot.js';
import { abortable } from './waits.js';

/** The flowchart for the step's device, within the attempt's window, reading its configuration on the console when it can. */
export function walkFlowchart({ bench, ctx, attempt }: StepRun, budgetMs: number): Promise<Diagnosis> {
  const dev = ctx.device;
  const con = bench.console(dev.name);
  const canReadConfig = con !== undefined && dev.console?.commands[CONFIG_READ] !== undefined;
  const perGet = Math.max(200, Math.min(3000, budgetMs / 8));
  return abortable(
    ctx.signal,
    diagnoseDevice(bench, dev.name, {
      window: attempt.window,
      getTimeoutMs: perGet,
      // A quarter of the budget at most: the GETs of the walk need the rest.
      dropWaitMs: budgetMs / 4,
      ...(canReadConfig ? { consoleConfigXml: () => con!.run(consoleCommand(dev, CONFIG_READ, ''), { signal: ctx.signal, timeoutMs: perGet }) } : {}),
    }),
  );
}

/** A failure without a known cause: the device's own reboot when there was one, else the flowchart's verdict. */
export async function explainFailure(out: StepOutcome, run: StepRun): Promise<StepOutcome> {
  return (await explainByUnaskedReboot(out, run)) ?? (await explainByFlowchart(out, run));
}

/** A failure without a known cause gets the flowchart's branch, evidence, cause and fix. */
async function explainByFlowchart(out: StepOutcome, run: StepRun): Promise<StepOutcome> {
  const budget = Math.min(run.limits.diagnosisBudgetMs, remainingMs(run) - 500);
  if (budget < 1000) return out;
  let d: Diagnosis;
  try {
    d = await walkFlowchart(run, budget);
  } catch (e) {
    if (run.ctx.signal.aborted) throw e;
    return { ...out, seen: `${out.seen ?? ''}${out.seen ? '\n' : ''}(troubleshooting flowchart not walked: ${(e as Error).message})` };
  }
  if (d.branch === 'healthy') {
    return { ...out, seen: `${out.seen ?? ''}${out.seen ? '\n' : ''}troubleshooting flowchart: no fault found now (healthy)` };
  }
  // No cause to offer: the step's own failure stands, and the open checks are said beside it.
  if (d.branch === 'inconclusive') {
    return { ...out, seen: `${out.seen ?? ''}${out.seen ? '\n' : ''}troubleshooting flowchart inconclusive: ${d.cause}` };
  }
  return {
    ...out,
    message: `${out.message} — ${d.branch === 'silent' ? 'device silent' : `flowchart branch ${d.branch}`}: ${BRANCH_HEADLINE[d.branch]}`,
    seen: [out.seen, 'evidence (troubleshooting flowchart):', ...evidenceLines(d).map((l) => `  ${l}`)].filter((l) => l !== undefined && l !== '').join('\n'),
    likelyCause: `${d.branch}: ${d.cause}`,
    fix: d.fix,
  };
}

/**
 * Fails the step for a request `what` sent from `source` at `sentAt` that timed out, saying whose
 * fault it looks like from what the device sent instead.
 */
export function failUnanswered({ bench, ctx, attempt }: StepRun, what: string, source: string, sentAt: number, e: CoapTimeoutError | EventTimeoutError): never {
  const dev = ctx.device;
  const waited = formatDuration(Math.round(bench.toRealMs(e.timeoutMs)));
  const mid = e instanceof CoapTimeoutError ? /\(MID (\d+)\)/.exec(e.request)?.[1] : undefined;
  const asked = `[${source}]:${bench.nms.clientPort}`;
  const stray = strayAnswers(bench, dev, source, sentAt, mid === undefined ? undefined : Number(mid));
  const fromElsewhere = stray.find((s) => s.to === asked);
  if (fromElsewhere) {
    return fail(`${what}: ${dev.name} answered, but from ${fromElsewhere.from} instead of [${dev.address}]:${dev.port} where the request went`, {
      expected: `the answer from [${dev.address}]:${dev.port} to ${asked}`,
      seen: stray.map((s) => s.text).join('; '),
      likelyCause:
        'The device answers from another address or port than the one the request was sent to, so the NMS cannot match the answer to its request (CoAP matches a response by the endpoint it came from).',
      fix: 'A CON request must be answered from the address and port it was sent to (RFC 7252 5.3.2; csmp-agent-lib answers from its CSMP port 61628): fix the meter firmware.',
    });
  }
  if (stray.length) {
    return fail(`${what}: ${dev.name} answered, but to ${stray[0]!.to} instead of ${asked} where the request came from`, {
      expected: `the answer from [${dev.address}]:${dev.port} to ${asked}`,
      seen: stray.map((s) => s.text).join('; '),
      likelyCause:
        'The device sends its answer to another address than the one the request came from (its configured NMS address: the load-balancer VIP case, or from another source address), so the server that asked never gets it.',
      fix: 'A CON request must be answered to its exact source address and port (RFC 7252 5.3.2, csmp-protocol.md 9 "Load balancer"): fix the meter firmware; until then the load balancer must route the answers back to the requesting server.',
    });
  }
  // A device that answered other requests of this test is reachable: this one was lost.
  const now = bench.nms.client.requestStats(dev.name);
  const sent = now.sent - attempt.requests.sent;
  const lost = now.unanswered - attempt.requests.unanswered;
  const partial = sent > lost && lost > 0;
  const dropped = describeLinkDrops(attempt.linkDrops, linkDrops(bench, dev.link));
  const shared = bench.sharedPorts.get(dev.link);
  return fail(`${what}: no answer from ${dev.name} within ${waited}${dropped ? ` (${dropped})` : ''}${shared ? ` (warning: port shared)` : ''}`, {
    expected: `an answer from [${dev.address}]:${dev.port} to ${asked}`,
    seen: `nothing from the device on the link${partial ? `; in this test ${lost} of ${sent} requests to ${dev.name} went unanswered, the others were answered` : ''}${dropped ? `; ${dropped}` : ''}${shared ? `; warning: ${shared}` : ''}`,
    ...(partial
      ? {
          likelyCause: `Requests or answers are lost between the NMS and ${dev.name}: the device answers some requests and not others (a lossy RF mesh or dongle, or firmware that drops frames).`,
          fix: `Check the mesh link (RSSI/ETX in TLV ${TLV.IPRouteRPLMetrics}, the dongle's drop counters, the pcap of this test for the request and a missing answer); if the radio path is clean, give the firmware team this test.`,
        }
      : {}),
  });
}

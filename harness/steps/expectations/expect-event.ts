/**
 * `expect-event: { name, within, count?, spanning? }`: an NMS event for the device since the test
 * began (or its last new boot); with count/spanning, that many of them, the first and the last
 * at least `spanning` apart on the rig's clock — "keeps retrying after 4.03" is several attempts
 * over time, and a single resend racing the rejection must not pass.
 */
import { formatDuration } from '../../../core/duration.js';
import { ConfigError } from '../../../core/errors.js';
import type { ExpectEventParams } from '../../config/expectation-steps.js';
import { EVENT_TYPES, EventTimeoutError, type EventName, type NmsEvent } from '../../nms/events.js';
import type { StepOutcome } from '../../runner/executor.js';
import { eventsSince } from '../attempt-memory.js';
import { blameOtherwise } from '../outcome.js';
import { explainByUnaskedReboot } from '../unasked-reboot.js';
import { eventsSeen } from '../seen.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

export async function expectEvent(p: ExpectEventParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx, attempt } = run;
  if (!Object.hasOwn(EVENT_TYPES, p.name)) {
    throw new ConfigError(ctx.test.where, 'value', `expect-event: no event named '${p.name}' (events: ${Object.keys(EVENT_TYPES).join(', ')})`);
  }
  const dev = ctx.device.name;
  const name = p.name as EventName;
  if (p.after !== undefined && !Object.hasOwn(EVENT_TYPES, p.after.name)) {
    throw new ConfigError(ctx.test.where, 'value', `expect-event: after: no event named '${p.after.name}' (events: ${Object.keys(EVENT_TYPES).join(', ')})`);
  }
  const testSince = eventsSince(attempt);
  let since = testSince;
  if (p.atMost !== undefined) return atMost(p, p.atMost, run, since);
  const startedAt = bench.clock.now();
  let withinMs = p.withinMs;
  const after = p.after;
  if (after !== undefined) {
    // Only what the device did after it said so counts: on a loaded mesh, attempts already on the
    // wire when the answer reached it are not retries.
    const marks: NmsEvent[] = [];
    const enoughMarks = (x: NmsEvent): boolean => x.name === after.name && x.device === dev && marks.push(x) >= after.count;
    try {
      const last = await abortable(ctx.signal, bench.nms.events.waitFor(enoughMarks, withinMs, { since }));
      since = last.seq;
      withinMs = Math.max(1, p.withinMs - (bench.clock.now() - startedAt));
    } catch (err) {
      if (!(err instanceof EventTimeoutError)) throw err;
      const want = `${after.count > 1 ? `${after.count} ` : 'a '}${after.name} event${after.count > 1 ? 's' : ''}`;
      return {
        status: 'failed',
        message: `${marks.length === 0 ? 'no' : `${marks.length} of ${after.count}`} ${after.name} event${after.count > 1 ? 's' : ''} for ${dev} within ${formatDuration(p.withinMs)}: nothing to count ${name} after`,
        expected: `${want} (${EVENT_TYPES[after.name as EventName].eventTypeId}) for ${dev}, then ${p.count ?? 1} ${name}`,
        seen: eventsSeen(bench.nms, dev, since),
        ...blameOtherwise(p.otherwise),
      };
    }
  }
  const count = p.count ?? 1;
  const spanning = p.spanningMs ?? 0;
  // waitFor hands over the log's events in order, each once: the matching ones are collected here.
  const hits: NmsEvent[] = [];
  const enough = (x: NmsEvent): boolean => {
    if (x.name !== name || x.device !== dev) return false;
    hits.push(x);
    return hits.length >= count && x.at - hits[0]!.at >= spanning;
  };
  try {
    const e = await abortable(ctx.signal, bench.nms.events.waitFor(enough, withinMs, { since }));
    const several = count > 1 ? `${hits.length} over ${formatDuration(e.at - hits[0]!.at)}, the last ` : '';
    return { status: 'passed', message: `${several}${e.name} (${e.eventTypeId}, ${e.severity}): ${e.message}` };
  } catch (err) {
    if (!(err instanceof EventTimeoutError)) throw err;
    const want = `${count > 1 ? `${count} ` : ''}${name} event${count > 1 ? 's' : ''}${spanning ? ` spanning ${formatDuration(spanning)}` : ''}${p.after ? ` after ${p.after.count > 1 ? `the ${ordinal(p.after.count)}` : 'the first'} ${p.after.name}` : ''}`;
    const got = count > 1 || spanning ? `: ${hits.length === 0 ? 'none' : `${hits.length}, at ${hits.map((h) => `+${formatDuration(h.at - hits[0]!.at)}`).join(', ')}`}` : '';
    return {
      status: 'failed',
      message: count > 1 || spanning ? `expected ${want} for ${dev} within ${formatDuration(p.withinMs)}, saw ${got.slice(2)}` : `no ${name} event for ${dev} within ${formatDuration(p.withinMs)}`,
      expected: `${want} (${EVENT_TYPES[name].eventTypeId}) for ${dev} within ${formatDuration(p.withinMs)}`,
      // The whole test's events: what came before the `after` event explains what came after.
      seen: eventsSeen(bench.nms, dev, testSince),
      ...blameOtherwise(p.otherwise),
    };
  }
}

/**
 * No more than `limit` such events since the test began, watched for the whole window on the
 * rig's clock: a device registering every few milliseconds is a storm that floods a 115200-baud
 * mesh even though each /r is answered, and the failure gives the measured rate.
 */
async function atMost(p: ExpectEventParams, limit: number, run: StepRun, since: number): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const dev = ctx.device.name;
  await bench.sleep(p.withinMs, ctx.signal);
  let from = since;
  let afterText = '';
  if (p.after !== undefined) {
    // "No more registrations once registered" counts from the registration, not from the test's
    // start: the attempts that led to it are not a fault.
    const after = p.after;
    const marks = bench.nms.events.find((x) => x.name === after.name && x.device === dev, since);
    const mark = marks[after.count - 1];
    const which = after.count > 1 ? `the ${ordinal(after.count)} ${after.name}` : after.name;
    if (mark === undefined) {
      return {
        status: 'failed',
        message: `${marks.length === 0 ? 'no' : `${marks.length} of ${after.count}`} ${after.name} event${after.count > 1 ? 's' : ''} for ${dev} within ${formatDuration(p.withinMs)}: nothing to count ${p.name} after`,
        expected: `${which} for ${dev}, then at most ${limit} ${p.name} events`,
        seen: eventsSeen(bench.nms, dev, since),
        ...blameOtherwise(p.otherwise),
      };
    }
    from = mark.seq;
    afterText = ` after ${which}`;
  }
  const hits = bench.nms.events.find((x) => x.name === p.name && x.device === dev, from);
  if (hits.length <= limit) return { status: 'passed', message: `${hits.length} ${p.name} event(s) for ${dev}${afterText}, at most ${limit}` };
  const spanMs = Math.max(1, hits[hits.length - 1]!.at - hits[0]!.at);
  const perMinute = Math.round(((hits.length - 1) * 60_000) / spanMs);
  const failed: StepOutcome = {
    status: 'failed',
    message: `${hits.length} ${p.name} events for ${dev}${afterText} in ${formatDuration(spanMs)} (${perMinute}/min), expected at most ${limit}`,
    expected: `at most ${limit} ${p.name} events for ${dev}${afterText || ' since the test began'}`,
    seen: eventsSeen(bench.nms, dev, since),
    ...blameOtherwise(p.otherwise),
  };
  // A device that reset by itself registers again, as it must: the reset is the fault to report,
  // not the suite's guess that it never stopped its registration timer.
  return (await explainByUnaskedReboot(failed, run, true)) ?? failed;
}

function ordinal(n: number): string {
  const tail = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${tail}`;
}

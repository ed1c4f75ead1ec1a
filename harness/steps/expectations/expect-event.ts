/**
 * `expect-event: { name, within, count?, spanning? }`: an NMS event for the device since the test
 * began (or its last new boot); with count/spanning, that many of them, the first and the last
 * at least `spanning` apart on the rig's clock — "keeps retrying after 4.03" is several attempts
 * over time, and a single resend racing the rejection must not pass.
 */
import { formatDuration } from '../../../core/duration.js';
import { ConfigError } from '../../../core/errors.js';
import type { ExpectEventParams } from '../../config/steps.js';
import { EVENT_TYPES, EventTimeoutError, type EventName, type NmsEvent } from '../../nms/events.js';
import type { StepOutcome } from '../../runner/executor.js';
import { eventsSince } from '../attempt-memory.js';
import { blameOtherwise } from '../outcome.js';
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
  const since = eventsSince(attempt);
  if (p.atMost !== undefined) return atMost(p, p.atMost, run, since);
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
    const e = await abortable(ctx.signal, bench.nms.events.waitFor(enough, p.withinMs, { since }));
    const several = count > 1 ? `${hits.length} over ${formatDuration(e.at - hits[0]!.at)}, the last ` : '';
    return { status: 'passed', message: `${several}${e.name} (${e.eventTypeId}, ${e.severity}): ${e.message}` };
  } catch (err) {
    if (!(err instanceof EventTimeoutError)) throw err;
    const want = `${count > 1 ? `${count} ` : ''}${name} event${count > 1 ? 's' : ''}${spanning ? ` spanning ${formatDuration(spanning)}` : ''}`;
    const got = count > 1 || spanning ? `: ${hits.length === 0 ? 'none' : `${hits.length}, at ${hits.map((h) => `+${formatDuration(h.at - hits[0]!.at)}`).join(', ')}`}` : '';
    return {
      status: 'failed',
      message: count > 1 || spanning ? `expected ${want} for ${dev} within ${formatDuration(p.withinMs)}, saw ${got.slice(2)}` : `no ${name} event for ${dev} within ${formatDuration(p.withinMs)}`,
      expected: `${want} (${EVENT_TYPES[name].eventTypeId}) for ${dev} within ${formatDuration(p.withinMs)}`,
      seen: eventsSeen(bench.nms, dev, since),
      ...blameOtherwise(p.otherwise),
    };
  }
}

/**
 * No more than `limit` such events since the test began, watched for the whole window on the
 * rig's clock: a device registering every few milliseconds is a storm that floods a 115200-baud
 * mesh even though each /r is answered, and the failure gives the measured rate.
 */
async function atMost(p: ExpectEventParams, limit: number, { bench, ctx }: StepRun, since: number): Promise<StepOutcome> {
  const dev = ctx.device.name;
  await bench.sleep(p.withinMs, ctx.signal);
  const hits = bench.nms.events.find((x) => x.name === p.name && x.device === dev, since);
  if (hits.length <= limit) return { status: 'passed', message: `${hits.length} ${p.name} event(s) for ${dev}, at most ${limit}` };
  const spanMs = Math.max(1, hits[hits.length - 1]!.at - hits[0]!.at);
  const perMinute = Math.round(((hits.length - 1) * 60_000) / spanMs);
  return {
    status: 'failed',
    message: `${hits.length} ${p.name} events for ${dev} in ${formatDuration(spanMs)} (${perMinute}/min), expected at most ${limit}`,
    expected: `at most ${limit} ${p.name} events for ${dev} since the test began`,
    seen: eventsSeen(bench.nms, dev, since),
    ...blameOtherwise(p.otherwise),
  };
}

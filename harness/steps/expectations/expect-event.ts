/** `expect-event: { name, within }`: an NMS event for the device since the test began (or its last new boot). */
import { formatDuration } from '../../../core/duration.js';
import { ConfigError } from '../../../core/errors.js';
import type { ExpectEventParams } from '../../config/steps.js';
import { EVENT_TYPES, EventTimeoutError, type EventName } from '../../nms/events.js';
import type { StepOutcome } from '../../runner/executor.js';
import { eventsSince } from '../attempt-memory.js';
import { blameOtherwise } from '../outcome.js';
import { eventsSeen } from '../seen.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

export async function expectEvent(p: ExpectEventParams, { bench, ctx, attempt }: StepRun): Promise<StepOutcome> {
  if (!Object.hasOwn(EVENT_TYPES, p.name)) {
    throw new ConfigError(ctx.test.where, 'value', `expect-event: no event named '${p.name}' (events: ${Object.keys(EVENT_TYPES).join(', ')})`);
  }
  const dev = ctx.device.name;
  const name = p.name as EventName;
  const since = eventsSince(attempt);
  try {
    const e = await abortable(ctx.signal, bench.nms.events.waitFor((x) => x.name === name && x.device === dev, p.withinMs, { since }));
    return { status: 'passed', message: `${e.name} (${e.eventTypeId}, ${e.severity}): ${e.message}` };
  } catch (err) {
    if (!(err instanceof EventTimeoutError)) throw err;
    return {
      status: 'failed',
      message: `no ${name} event for ${dev} within ${formatDuration(p.withinMs)}`,
      expected: `event ${name} (${EVENT_TYPES[name].eventTypeId}) for ${dev} within ${formatDuration(p.withinMs)}`,
      seen: eventsSeen(bench.nms, dev, since),
      ...blameOtherwise(p.otherwise),
    };
  }
}

/**
 * `expect-load: on-time | never`, about the test's last load. Nothing assumes when it fires: the
 * reference agent's load timer fires anywhere between half and twice the delay (csmp-protocol.md
 * 6.7), so `on-time` waits for the device's next registration and places its boot (from its
 * Uptime) in that window; `never` watches the whole window and a little more for a registration.
 */
import { formatDuration } from '../../../core/duration.js';
import type { ExpectLoadParams } from '../../config/firmware-steps.js';
import { EventTimeoutError } from '../../nms/events.js';
import { loadWindow, readBoot, waitForRegistration } from '../../nms/transfer/reboot.js';
import { firmwareSlots, runningSlot } from '../../nms/transfer/slots.js';
import type { StepOutcome } from '../../runner/executor.js';
import { firmwareMemory, lastLoad } from '../firmware-memory.js';
import { commandTimeout, deps } from '../firmware-steps.js';
import { blameOtherwise, fail } from '../outcome.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

/** Uptime reads to place the boot on one side of the window's edges before the step gives up judging. */
const BOOT_READS = 5;

/** Clock ms a rebooted device may take to register (the reference retries after 10-20 s, doubling). */
const REGISTRATION_ALLOWANCE_MS = 300_000;

/**
 * Clock ms of tolerance before the window: the boot time comes from Uptime in whole seconds and
 * the device counts the delay from when the LoadRequest reached it, so the boot seen is never much
 * earlier than the real one — a small margin catches a device that loads early.
 */
const earlySlackMs = (delaySec: number): number => Math.max(5000, delaySec * 50);
/**
 * After the window the margin is real time as well: a LoadRequest or the Uptime answer held up
 * on a busy machine moves the boot seen later by that much of the rig's (scaled) clock.
 */
const lateSlackMs = (delaySec: number, run: StepRun): number => Math.max(5000, delaySec * 100, run.bench.toClockMs(1000));

export async function expectLoad(p: ExpectLoadParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const dev = ctx.device.name;
  const more = blameOtherwise(p.otherwise);
  const l = lastLoad(firmwareMemory(ctx));
  if (!l) return fail('no load before expect-load in this test', { expected: 'a load step first', seen: 'none' });
  if (!l.answer.ok) return fail(`the load of ${l.version} was refused (${l.answer.name}): nothing to fire`, { expected: 'an accepted load', seen: l.answer.describe });
  const w = loadWindow(l.sentAt, l.delaySec);
  const slack = lateSlackMs(l.delaySec, run);
  const windowText = `${formatDuration(l.delaySec * 500)} to ${formatDuration(l.delaySec * 2000)} after the LoadRequest`;
  const after = (at: number): string => formatDuration(Math.max(0, Math.round((at - l.sentAt) / 1000)) * 1000);

  if (p.fires === 'never') {
    const until = w.latest + slack;
    try {
      const e = await abortable(ctx.signal, bench.nms.events.waitForEvent('registrationRequest', Math.max(1, until - bench.clock.now()), { device: dev, since: l.since }));
      const running = runningSlot(firmwareSlots(bench.nms.devices.require(dev).lastRegistration ?? []));
      return {
        status: 'failed',
        message: `${dev} registered again ${after(e.at)} after the LoadRequest, running ${running?.version ?? 'no image'}, although the load of ${l.version} was cancelled`,
        expected: `no reboot for the load of ${l.version} (watched until ${formatDuration(until - l.sentAt)} after the LoadRequest)`,
        seen: `registration at ${after(e.at)}: ${e.message}`,
        ...more,
      };
    } catch (e) {
      if (!(e instanceof EventTimeoutError)) throw e;
      return { status: 'passed', message: `no reboot within ${formatDuration(until - l.sentAt)} of the LoadRequest: the load of ${l.version} did not fire` };
    }
  }

  const budget = Math.max(1, w.latest + slack + REGISTRATION_ALLOWANCE_MS - bench.clock.now());
  let reg;
  try {
    reg = await abortable(ctx.signal, waitForRegistration(deps(run), dev, { since: l.since, timeoutMs: budget, uptimeTimeoutMs: commandTimeout(run) }));
  } catch (e) {
    if (!(e instanceof EventTimeoutError)) throw e;
    return {
      status: 'failed',
      message: `${dev} did not register again within ${after(bench.clock.now())} of the LoadRequest for ${l.version}`,
      expected: `a reboot ${windowText}, then a registration`,
      seen: `no registration since the LoadRequest (${bench.nms.devices.require(dev).state} in the NMS)`,
      ...more,
    };
  }
  l.settled = 'fired';
  // The boot is known within bounds: no later than it registered or than an Uptime answer says,
  // no earlier than an Uptime GET's sending says. A slow answer on a busy machine widens them;
  // the verdict waits until they are on one side of the window's edges, asking Uptime again.
  const early = w.earliest - earlySlackMs(l.delaySec);
  const late = w.latest + slack;
  let lo = reg.bootedAfter ?? Number.NEGATIVE_INFINITY;
  let hi = Math.min(reg.bootedAt ?? reg.registeredAt, reg.registeredAt);
  let reads = reg.bootedAt === undefined ? 0 : 1;
  const outside = (at: number, bound: 'at most' | 'at least'): StepOutcome => ({
    status: 'failed',
    message: `${dev} rebooted ${after(at)} after the LoadRequest for ${l.version}, outside ${windowText}`,
    expected: `the reboot ${windowText} (load time ${formatDuration(l.delaySec * 1000)} ahead)`,
    seen: `booted ${bound} ${after(at)} after the LoadRequest (${reads} Uptime read(s) after the registration), registered ${after(reg.registeredAt)} after`,
    ...more,
  });
  for (;;) {
    if (lo > hi) {
      return { status: 'failed', message: `${dev} rebooted again while its reboot for the load of ${l.version} was being timed (Uptime reads disagree)`, expected: 'one reboot for the load', seen: `Uptime reads place the boot both after ${after(lo)} and before ${after(hi)}`, ...more };
    }
    if (hi < early) return outside(hi, 'at most');
    if (lo > late) return outside(lo, 'at least');
    if (lo >= early && hi <= late) break;
    if (reads >= BOOT_READS) {
      return {
        status: 'error',
        message: `${dev} registered again after the LoadRequest for ${l.version}, but when it booted could not be placed inside or outside ${windowText}`,
        expected: `Uptime answers quick enough to place the boot (${BOOT_READS} reads)`,
        seen: `booted between ${lo === Number.NEGATIVE_INFINITY ? 'an unknown time' : after(lo)} and ${after(hi)} after the LoadRequest`,
        likelyCause: 'the machine or the link is too slow to time the reboot: Uptime answers arrive late (a loaded host, a congested mesh)',
      };
    }
    const b = await readBoot(deps(run), dev, commandTimeout(run));
    reads++;
    if (b) {
      lo = Math.max(lo, b.earliest);
      hi = Math.min(hi, b.latest);
    }
  }
  const running = runningSlot(reg.slots);
  return { status: 'passed', message: `${dev} rebooted ${after(hi)} after the LoadRequest (window ${windowText}) and registered running ${running?.version ?? 'no image'}` };
}

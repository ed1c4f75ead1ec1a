/**
 * `expect-load: on-time | never`, about the test's last load. Nothing assumes when it fires: the
 * reference agent's load timer fires anywhere between half and twice the delay (csmp-protocol.md
 * 6.7), so `on-time` waits for the device's next registration, places its boot (from its Uptime)
 * in that window, makes sure no restart the harness asked for since the LoadRequest (a power
 * step) can be its cause, and reads the running image from that registration. `never` watches the
 * whole window for a registration, then reads Uptime: a reboot without a registration counts too.
 */
import { sameBytes, toHex } from '../../../core/bytes.js';
import { formatDuration } from '../../../core/duration.js';
import type { ExpectLoadParams } from '../../config/firmware-steps.js';
import { EventTimeoutError } from '../../nms/events.js';
import { loadWindow, readBoot, waitForRegistration } from '../../nms/transfer/reboot.js';
import { firmwareSlots, runningSlot, type FirmwareSlotInfo } from '../../nms/transfer/slots.js';
import type { StepOutcome } from '../../runner/executor.js';
import { uptimeSlackS } from '../crash-class.js';
import { firmwareMemory, lastLoad, type LoadRecord } from '../firmware-memory.js';
import { commandTimeout, deps, slotLines } from '../firmware-steps.js';
import { blameOtherwise, fail } from '../outcome.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

/** Uptime reads to place the boot on one side of the window's edges before the step gives up judging. */
const BOOT_READS = 5;

/** Clock ms a rebooted device may take to register (the reference retries after 10-20 s, doubling). */
const REGISTRATION_ALLOWANCE_MS = 300_000;

/**
 * Clock ms the window widens by on either side. Network delay needs none: a LoadRequest that
 * reaches the device d late leaves it D − d, so the reference agent's latest fire moves earlier
 * (d + 2(D − d) = 2D − d) and its earliest later (d + (D − d)/2); the boot's bracket from Uptime
 * already holds the whole-second rounding and the GET's round trip. What is left is the device's
 * clock, which runs its timer and its Uptime: drift moves the boot seen either way, by
 * uptimeSlackS of the time since the LoadRequest (at least 2 s: the load time's whole seconds too).
 */
const driftMs = (from: number, now: number): number => uptimeSlackS((now - from) / 1000) * 1000;

/** Whether a FirmwareImageInfo row shows the image `version` with `hash` (whichever of the two it reports). */
function showsImage(s: FirmwareSlotInfo | undefined, version: string, hash: Uint8Array): boolean {
  if (!s || (s.fileHash === undefined && s.version === undefined)) return false;
  return (s.fileHash === undefined || sameBytes(s.fileHash, hash)) && (s.version === undefined || s.version === version);
}

export async function expectLoad(p: ExpectLoadParams, run: StepRun): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const dev = ctx.device.name;
  const more = blameOtherwise(p.otherwise);
  const mem = firmwareMemory(ctx);
  const l = lastLoad(mem);
  if (!l) return fail('no load before expect-load in this test', { expected: 'a load step first', seen: 'none' });
  if (!l.answer.ok) return fail(`the load of ${l.version} was refused (${l.answer.name}): nothing to fire`, { expected: 'an accepted load', seen: l.answer.describe });
  if (p.fires === 'never') return neverFires(run, l, more);
  const w = loadWindow(l.sentAt, l.delaySec);
  const windowText = `${formatDuration(l.delaySec * 500)} to ${formatDuration(l.delaySec * 2000)} after the LoadRequest`;
  const after = afterLoad(l);

  const budget = Math.max(1, w.latest + driftMs(l.sentAt, w.latest) + REGISTRATION_ALLOWANCE_MS - bench.clock.now());
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
  // The boot is known within bounds: no later than it registered or than an Uptime answer says,
  // no earlier than an Uptime GET's sending says. A slow answer on a busy machine widens them;
  // the verdict waits until they are on one side of the window's edges, asking Uptime again.
  let lo = reg.bootedAfter ?? Number.NEGATIVE_INFINITY;
  let hi = Math.min(reg.bootedAt ?? reg.registeredAt, reg.registeredAt);
  let reads = reg.bootedAt === undefined ? 0 : 1;
  // A restart the harness asked for after the LoadRequest (a power step, a console reboot) and
  // before this boot may be its cause, and a power cycle loses an armed load: no evidence of it firing.
  const asked = bench.restartsOf(dev).filter((r) => r > l.restartAt && r <= hi + driftMs(l.sentAt, bench.clock.now())).at(-1);
  if (asked !== undefined) {
    return {
      status: 'failed',
      message: `${dev} booted ${after(hi)} after the LoadRequest for ${l.version} when the harness had switched it on or restarted it (${after(asked)} after the LoadRequest): that boot is the harness's, not the load's`,
      expected: `a reboot ${windowText} caused by the load, with no restart asked by the harness in between`,
      seen: `the harness asked for a restart ${after(asked)} after the LoadRequest; booted at most ${after(hi)} after it, registered ${after(reg.registeredAt)} after`,
      ...more,
    };
  }
  l.settled = 'fired';
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
    const drift = driftMs(l.sentAt, bench.clock.now());
    const early = w.earliest - drift;
    const late = w.latest + drift;
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
  return judgeImage(run, l, reg.slots, `${dev} rebooted ${after(hi)} after the LoadRequest (window ${windowText})`, more);
}

/** The reboot was in the window: the registration after it must show the loaded image running (or, for one built not to boot, another). */
function judgeImage(run: StepRun, l: LoadRecord, slots: readonly FirmwareSlotInfo[], rebooted: string, more: Partial<StepOutcome>): StepOutcome {
  const running = runningSlot(slots);
  const shown = running?.version ?? 'no image';
  const loaded = showsImage(running, l.version, l.hash);
  if (firmwareMemory(run.ctx).images.get(l.version)?.boots === false) {
    if (running && !loaded) return { status: 'passed', message: `${rebooted} and registered running ${shown}: ${l.version}, built not to boot, did not start` };
    return {
      status: 'failed',
      message: `${rebooted}, but registered ${running ? `reporting ${l.version} running, an image built not to boot` : 'with no image running'}`,
      expected: `the registration after the reboot reports another image than ${l.version} running (it does not boot)`,
      seen: slotLines(slots),
      ...more,
    };
  }
  if (loaded) return { status: 'passed', message: `${rebooted} and registered running ${shown}` };
  return {
    status: 'failed',
    message: `${rebooted}, but registered running ${shown}, not the loaded ${l.version}`,
    expected: `the registration after the reboot reports ${l.version} (sha256 ${toHex(l.hash).slice(0, 16)}…) running`,
    seen: slotLines(slots),
    ...more,
  };
}

/**
 * `never`: no registration until the window has passed, and then an Uptime that places the boot
 * before the load could fire — a device may reboot without registering again (or not yet).
 */
async function neverFires(run: StepRun, l: LoadRecord, more: Partial<StepOutcome>): Promise<StepOutcome> {
  const { bench, ctx } = run;
  const dev = ctx.device.name;
  const after = afterLoad(l);
  const w = loadWindow(l.sentAt, l.delaySec);
  const until = w.latest + driftMs(l.sentAt, w.latest);
  const watched = formatDuration(until - l.sentAt);
  const cancelled = `although the load of ${l.version} was cancelled`;
  const around = (at: number): string => (at < l.sentAt ? `${formatDuration(Math.round((l.sentAt - at) / 1000) * 1000)} before` : `${after(at)} after`);
  try {
    const e = await abortable(ctx.signal, bench.nms.events.waitForEvent('registrationRequest', Math.max(1, until - bench.clock.now()), { device: dev, since: l.since }));
    const running = runningSlot(firmwareSlots(bench.nms.devices.require(dev).lastRegistration ?? []));
    return {
      status: 'failed',
      message: `${dev} registered again ${after(e.at)} after the LoadRequest, running ${running?.version ?? 'no image'}, ${cancelled}`,
      expected: `no reboot for the load of ${l.version} (watched until ${watched} after the LoadRequest)`,
      seen: `registration at ${after(e.at)}: ${e.message}`,
      ...more,
    };
  } catch (e) {
    if (!(e instanceof EventTimeoutError)) throw e;
  }
  const expected = `no reboot for the load of ${l.version}: no registration until ${watched} after the LoadRequest, then an Uptime placing the boot before the load could fire`;
  const b = await abortable(ctx.signal, readBoot(deps(run), dev, commandTimeout(run)));
  if (!b) {
    return {
      status: 'failed',
      message: `${dev} did not register within ${watched} of the LoadRequest, nor answer GET Uptime then: whether the load of ${l.version} rebooted it is not known`,
      expected,
      seen: `no registration since the LoadRequest; no answer to GET 22 (Uptime) within ${formatDuration(commandTimeout(run))}`,
      ...more,
    };
  }
  // Drift over the Uptime counted, a boot is placed after the LoadRequest only beyond it; a boot
  // before the window opens is not the load's (a device that booted just before the load is one).
  const drift = driftMs(b.earliest, bench.clock.now());
  const seen = `no registration since the LoadRequest; Uptime ${b.uptimeS} s at ${after(bench.clock.now())} after it`;
  if (b.earliest - drift > l.sentAt) {
    return { status: 'failed', message: `${dev} rebooted ${after(b.latest)} after the LoadRequest without registering again (Uptime ${b.uptimeS} s), ${cancelled}`, expected, seen, ...more };
  }
  if (b.latest + drift < w.earliest) {
    const since = b.latest + drift < l.sentAt ? 'up since before it' : 'up since about when it went out, before the load could fire';
    return { status: 'passed', message: `no registration within ${watched} of the LoadRequest and ${since} (Uptime ${b.uptimeS} s): the load of ${l.version} did not fire` };
  }
  return {
    status: 'error',
    message: `${dev} did not register within ${watched} of the LoadRequest for ${l.version}, but when it booted could not be placed before the load could fire or after the LoadRequest`,
    expected,
    seen: `${seen}: booted between ${around(b.earliest - drift)} and ${around(b.latest + drift)} the LoadRequest`,
    likelyCause: 'the Uptime answer came too late to place the boot (a loaded host, a congested mesh)',
  };
}

/** "2m3s": how long after the LoadRequest a clock ms is, in whole seconds. */
const afterLoad =
  (l: LoadRecord) =>
  (at: number): string =>
    formatDuration(Math.max(0, Math.round((at - l.sentAt) / 1000)) * 1000);

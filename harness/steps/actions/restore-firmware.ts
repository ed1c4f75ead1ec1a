/**
 * `restore-firmware: <version>` (teardown): leaves the device as the test found it, as a rollout
 * lab must before the next test or suite reads its firmware. Loads the test scheduled and did not
 * see fire are cancelled (an armed load would fire later, unwatched); a device running another
 * image is told to load this one back, and the step waits for it to register running it.
 */
import { formatDuration } from '../../../core/duration.js';
import type { ImageRefParams } from '../../config/firmware-steps.js';
import { cancelLoad, requestLoad } from '../../nms/transfer/commands.js';
import { waitForRegistration } from '../../nms/transfer/reboot.js';
import { runningSlot } from '../../nms/transfer/slots.js';
import { firmwareMemory } from '../firmware-memory.js';
import { commandTimeout, deps, deviceClockNow, readSlots, runningVersion, slotLines, versionOf } from '../firmware-steps.js';
import { nmsRequest } from '../nms-request.js';
import { fail } from '../outcome.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

/**
 * Device seconds ahead the image is loaded back: the reference agent then reboots within 30 s to
 * 2 min. Not less: the LoadRequest's own trip must stay well inside it on a busy machine (a second
 * of real time on the virtual rig).
 */
const RESTORE_DELAY_S = 60;
/** Device seconds a rebooted device may take to register. */
const REGISTRATION_ALLOWANCE_S = 300;

export async function restoreFirmware(p: ImageRefParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const dev = ctx.device.name;
  const mem = firmwareMemory(ctx);
  const timeoutMs = commandTimeout(run);
  if (bench.journal(dev).poweredOff) {
    // The test ended with the board off (its power cut): it can neither answer nor have loaded
    // anything since; the session switches it on after the teardown.
    ctx.log(`${dev} is off: nothing to restore before the session switches it on`);
    return;
  }
  for (const l of mem.loads) {
    if (!l.answer.ok || l.settled !== undefined) continue;
    const a = await nmsRequest(run, `CancelLoadRequest ${l.version}`, Date.now(), () => cancelLoad(bench.nms.client, dev, l.hash, { timeoutMs }));
    l.settled = 'cancelled';
    ctx.log(`the load of ${l.version} the test left scheduled: CancelLoadRequest → ${a.name}`);
  }
  const version = versionOf(run, p.image);
  const slots = await readSlots(run);
  if (runningVersion(slots) === version) {
    ctx.log(`${dev} runs ${version}: nothing to restore`);
    return;
  }
  const slot = slots.find((s) => s.version === version && !s.isRunning && s.fileHash !== undefined);
  if (!slot) fail(`${dev} runs ${runningVersion(slots) ?? 'no image'} and holds no ${version} to load back`, { expected: `a slot holding ${version}`, seen: slotLines(slots) });
  const deviceNow = await deviceClockNow(run);
  const since = bench.nms.events.mark();
  const loadTime = deviceNow() + RESTORE_DELAY_S;
  const answer = await nmsRequest(run, `LoadRequest ${version}`, Date.now(), () => requestLoad(bench.nms.client, dev, slot!.fileHash!, loadTime, { timeoutMs }));
  if (!answer.ok) fail(`${dev} refused to load ${version} back: ${answer.name}`, { expected: `LoadRequest ${version} → OK`, seen: answer.describe });
  ctx.log(`${dev} runs ${runningVersion(slots) ?? 'no image'}: loading ${version} back from slot ${slot!.index}`);
  const budgetMs = (2 * RESTORE_DELAY_S + REGISTRATION_ALLOWANCE_S) * 1000;
  const reg = await abortable(ctx.signal, waitForRegistration(deps(run), dev, { since, timeoutMs: budgetMs, uptimeTimeoutMs: timeoutMs })).catch((e: unknown) => {
    if (ctx.signal.aborted) throw e;
    return fail(`${dev} did not register again within ${formatDuration(budgetMs)} after being told to load ${version} back`, { expected: `registered running ${version}`, seen: (e as Error).message });
  });
  const running = runningSlot(reg.slots);
  if (running?.version !== version) fail(`${dev} registered again running ${running?.version ?? 'no image'}, not ${version}`, { expected: `running ${version}`, seen: slotLines(reg.slots) });
  ctx.log(`${dev} registered again running ${version}`);
}

/**
 * `load`, `cancel-load`, `set-backup`: the head-end's firmware commands (csmp-protocol.md 6.7),
 * signed CON POSTs whose response code is judged by name (here, or by expect-answer next).
 * A load is written in the device's clock (its CurrentTime), the delay scaled on the virtual rig
 * like every suite duration; what the device had in its slots just before is kept for
 * expect-slot's `running-before-load`.
 */
import { formatDuration } from '../../../core/duration.js';
import type { ImageRefParams, LoadParams } from '../../config/firmware-steps.js';
import { FIRMWARE_RESPONSE } from '../../csmp/firmware-response.js';
import { cancelLoad as sendCancel, requestLoad, setBackup as sendSetBackup } from '../../nms/transfer/commands.js';
import { firmwareMemory } from '../firmware-memory.js';
import { commandTimeout, deviceClockNow, hashOf, judgeAnswer, nextStepIs, readSlots, versionOf } from '../firmware-steps.js';
import { nmsRequest } from '../nms-request.js';
import { fail, FIRMWARE_FIX } from '../outcome.js';
import type { StepRun } from '../step-run.js';

export async function load(p: LoadParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const mem = firmwareMemory(ctx);
  const version = versionOf(run, p.image);
  const hash = await hashOf(run, version, mem);
  const slotsBefore = await readSlots(run);
  const timeoutMs = commandTimeout(run);
  const deviceNow = await deviceClockNow(run);
  const delaySec = Math.max(1, Math.round(p.inMs / 1000));
  const since = bench.nms.events.mark();
  const sentAt = bench.clock.now();
  const what = `LoadRequest ${version}`;
  const loadTime = deviceNow() + delaySec;
  // The reboot into the image, when it comes, is the harness's doing (not a reboot loop).
  const restartAt = bench.noteRestart(ctx.device.name);
  const answer = await nmsRequest(run, what, Date.now(), () => requestLoad(bench.nms.client, ctx.device.name, hash, loadTime, { timeoutMs }));
  mem.loads.push({ version, hash, sentAt, since, restartAt, delaySec, answer, slotsBefore });
  if (answer.ok) ctx.log(`load of ${version} scheduled ${delaySec} s ahead of the device's clock (${new Date(loadTime * 1000).toISOString()})`);
  judgeAnswer(run, what, answer);
}

export async function cancelLoad(p: ImageRefParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const mem = firmwareMemory(ctx);
  const version = versionOf(run, p.image);
  const hash = await hashOf(run, version, mem);
  const what = `CancelLoadRequest ${version}`;
  const answer = await nmsRequest(run, what, Date.now(), () => sendCancel(bench.nms.client, ctx.device.name, hash, { timeoutMs: commandTimeout(run) }));
  const armed = mem.loads.filter((l) => l.version === version && l.answer.ok && l.settled === undefined);
  for (const l of armed) l.settled = 'cancelled';
  if (armed.length > 0 && answer.response === FIRMWARE_RESPONSE.UNKNOWN_HASH && !nextStepIs(run, ['expect-answer'])) {
    // The device no longer knows the load it accepted: it has fired already, before its time.
    const l = armed[armed.length - 1]!;
    fail(`${what} answered UNKNOWN_HASH: the load of ${version} accepted ${formatDuration(bench.clock.now() - l.sentAt)} ago is no longer pending`, {
      expected: `${what} → OK (the load time, ${formatDuration(l.delaySec * 1000)} after the LoadRequest, has not come)`,
      seen: answer.describe,
      likelyCause: `the meter loaded ${version} before its load time, so there was nothing left to cancel`,
      fix: FIRMWARE_FIX,
    });
  }
  judgeAnswer(run, what, answer);
}

export async function setBackup(p: ImageRefParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const version = versionOf(run, p.image);
  const hash = await hashOf(run, version);
  const what = `SetBackupRequest ${version}`;
  const answer = await nmsRequest(run, what, Date.now(), () => sendSetBackup(bench.nms.client, ctx.device.name, hash, { timeoutMs: commandTimeout(run) }));
  judgeAnswer(run, what, answer);
}

/**
 * `load`, `cancel-load`, `set-backup`: the head-end's firmware commands (csmp-protocol.md 6.7),
 * signed CON POSTs whose response code is judged by name (here, or by expect-answer next).
 * A load is written in the device's clock (its CurrentTime), the delay scaled on the virtual rig
 * like every suite duration; what the device had in its slots just before is kept for
 * expect-slot's `running-before-load`.
 */
import type { ImageRefParams, LoadParams } from '../../config/steps.js';
import { cancelLoad as sendCancel, requestLoad, setBackup as sendSetBackup } from '../../nms/transfer/commands.js';
import { deviceClock } from '../../nms/transfer/device-clock.js';
import { firmwareMemory } from '../firmware-memory.js';
import { commandTimeout, deps, hashOf, judgeAnswer, readSlots, versionOf } from '../firmware-steps.js';
import { nmsRequest } from '../nms-request.js';
import type { StepRun } from '../step-run.js';

export async function load(p: LoadParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const mem = firmwareMemory(ctx);
  const version = versionOf(run, p.image);
  const hash = await hashOf(run, version, mem);
  const slotsBefore = await readSlots(run);
  const timeoutMs = commandTimeout(run);
  const now = await deviceClock(deps(run), ctx.device.name, timeoutMs);
  const delaySec = Math.max(1, Math.round(p.inMs / 1000));
  const since = bench.nms.events.mark();
  const sentAt = bench.clock.now();
  const what = `LoadRequest ${version}`;
  const answer = await nmsRequest(run, what, Date.now(), () => requestLoad(bench.nms.client, ctx.device.name, hash, now + delaySec, { timeoutMs }));
  mem.loads.push({ version, hash, sentAt, since, delaySec, answer, slotsBefore });
  if (answer.ok) ctx.log(`load of ${version} scheduled ${delaySec} s ahead of the device's clock (${new Date((now + delaySec) * 1000).toISOString()})`);
  judgeAnswer(run, what, answer);
}

export async function cancelLoad(p: ImageRefParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const mem = firmwareMemory(ctx);
  const version = versionOf(run, p.image);
  const hash = await hashOf(run, version, mem);
  const what = `CancelLoadRequest ${version}`;
  const answer = await nmsRequest(run, what, Date.now(), () => sendCancel(bench.nms.client, ctx.device.name, hash, { timeoutMs: commandTimeout(run) }));
  if (answer.ok) for (const l of mem.loads) if (l.version === version && l.answer.ok && l.settled === undefined) l.settled = 'cancelled';
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

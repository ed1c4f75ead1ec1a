/**
 * `transfer: {image, corruptBlock?, announceWrongHash?, cutPowerAfterBlock?}`: builds the image at
 * run time and uploads it as the head-end does (harness/nms/transfer/upload.ts), paced to the
 * device's link. The NMS's account (blocks sent, held at start, status) is kept for
 * expect-transfer; the TransferResponse for expect-answer.
 *
 * cutPowerAfterBlock: the upload stops once that block is out and its answers are in, then the
 * board is switched off — what the device wrote to flash is what a power loss leaves it.
 */
import { ConfigError } from '../../../core/errors.js';
import type { ImageSpec, TransferParams } from '../../config/firmware-steps.js';
import { buildImage } from '../../csmp/image/build.js';
import { describeFirmwareResponse, firmwareResponseName } from '../../csmp/firmware-response.js';
import { firmwareImage, type FirmwareImage } from '../../nms/transfer/image.js';
import { lineRate } from '../../nms/transfer/line-rate.js';
import { uploadImage, type UploadOptions } from '../../nms/transfer/upload.js';
import { markNewBoot } from '../attempt-memory.js';
import { firmwareMemory, NO_ANSWER } from '../firmware-memory.js';
import { commandTimeout, deps, nextStepIs } from '../firmware-steps.js';
import { fail } from '../outcome.js';
import { rigVariables, substitute } from '../rig-values.js';
import type { StepRun } from '../step-run.js';
import { abortable } from '../waits.js';

/** A SHA-256 no image has: what announceWrongHash announces. */
const WRONG_HASH = new Uint8Array(32).fill(0x5a);
const DEFAULT_SIZE = 8192;

export async function transfer(p: TransferParams, run: StepRun): Promise<void> {
  const { bench, ctx } = run;
  const dev = ctx.device;
  const mem = firmwareMemory(ctx);
  const image = build(p.image, run);
  const power = p.cutPowerAfterBlock !== undefined ? bench.power(dev.name) : undefined;
  if (p.cutPowerAfterBlock !== undefined && !power) throw new ConfigError(`device '${dev.name}'`, 'missing', 'transfer cutPowerAfterBlock: the rig gives this device no power control');

  const cut = new AbortController();
  const signal = AbortSignal.any([ctx.signal, cut.signal]);
  const rate = lineRate(bench.rig.links, dev.link);
  const opts: UploadOptions = {
    requestTimeoutMs: commandTimeout(run),
    signal,
    ...(rate !== undefined ? { lineRate: rate } : {}),
    ...(p.announceWrongHash || p.corruptBlock !== undefined
      ? {
          tamper: {
            ...(p.announceWrongHash ? { fileHash: WRONG_HASH } : {}),
            ...(p.corruptBlock !== undefined ? { block: (n: number, d: Uint8Array) => (n === p.corruptBlock ? d.map((b, i) => (i === 0 ? b ^ 0xff : b)) : d) } : {}),
          },
        }
      : {}),
    onEvent: (e) => {
      if (e.type === 'block' && e.block === p.cutPowerAfterBlock) cut.abort('power cut');
      if (e.type === 'resume') ctx.log(`${e.device} holds ${e.held} of ${e.blocks} blocks already: resuming`);
    },
  };
  const r = await abortable(ctx.signal, uploadImage(deps(run), image, { devices: [dev.name] }, opts));
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const d = r.devices[0]!;
  mem.images.set(image.version, { image, announced: r.hash, boots: p.image.boots !== false });
  mem.transfers.set(image.version, [...(mem.transfers.get(image.version) ?? []), r]);
  mem.lastTransfer = image.version;
  // A TransferRequest nobody answered was neither taken nor refused: expect-answer must not read OK.
  const name = d.response !== undefined ? firmwareResponseName(d.response) : !d.answered ? NO_ANSWER : d.status === 'refused' ? 'refused' : 'OK';
  mem.last = { what: `TransferRequest ${image.version}`, name, describe: d.response !== undefined ? `${dev.name} answered ${describeFirmwareResponse(d.response)}` : (d.reason ?? d.status) };
  ctx.log(
    `transfer ${image.version} (${image.bytes.length} B, ${r.blocks} blocks of ${r.blockSize} B): ${d.status}${d.reason ? ` — ${d.reason}` : ''}; ` +
      `sent ${r.sent.length} blocks in ${r.rounds} round(s), the device held ${d.heldAtStart} at the start`,
  );

  if (p.cutPowerAfterBlock !== undefined && !cut.signal.aborted) {
    fail(`transfer of ${image.version}: block ${p.cutPowerAfterBlock} was never sent, so the power was not cut`, {
      expected: `block ${p.cutPowerAfterBlock} of ${r.blocks} sent, then the power cut`,
      seen: `${d.status}; blocks sent: ${r.sent.join(',') || 'none'} (the device held ${d.heldAtStart} at the start)`,
    });
  }
  if (p.cutPowerAfterBlock !== undefined) {
    markNewBoot(bench, run.attempt, dev.name);
    await power!.switch('off', { signal: ctx.signal, timeoutMs: ctx.timeoutMs });
    bench.journal(dev.name).poweredOff = true;
    ctx.log(`power off after block ${p.cutPowerAfterBlock} (blocks sent: ${r.sent.join(',')})`);
    return;
  }
  if (d.status !== 'complete' && d.status !== 'running' && !nextStepIs(run, ['expect-answer', 'expect-transfer'])) {
    fail(`transfer of ${image.version} ${d.status}${d.reason ? `: ${d.reason}` : ''}`, {
      expected: `${dev.name} holds the whole image ${image.version}`,
      seen: `${d.status}; ${r.sent.length} blocks sent in ${r.rounds} round(s)${d.reason ? `; ${d.reason}` : ''}`,
    });
  }
}

/** The image a step describes; the seed follows the version so two versions differ in every block. */
function build(spec: ImageSpec, run: StepRun): FirmwareImage {
  const { ctx, bench } = run;
  const vars = rigVariables(bench.rig, ctx.device);
  const hwId = spec.hwId !== undefined ? String(substitute(spec.hwId, vars, `${ctx.device.name}: transfer`)) : ctx.device.expected.hwId;
  const seed = spec.seed ?? [...spec.version].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7);
  const bytes = buildImage({ version: spec.version, hwId, size: spec.size ?? DEFAULT_SIZE, seed, ...(spec.boots === false ? { boots: false } : {}) });
  return firmwareImage(bytes, `fw-${spec.version}.img`);
}

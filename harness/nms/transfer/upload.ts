/**
 * Uploading a firmware image to one device or a group (csmp-protocol.md 6.7):
 *
 * 1. Each device's FirmwareImageInfo is read first. A slot already holding the image with a
 *    bitmap resumes: only the blocks it lacks are sent (a transfer cut by a power loss, a ^C or
 *    a lost link goes on where it stopped). A slot holding it complete, or running it, needs
 *    nothing. Otherwise a TransferRequest (signed, always with hwInfo) starts the upload; a
 *    refusal ends it for that device with its response code by name.
 * 2. Blocks go in rounds. Unicast: CON, signature-exempt, a window of unacknowledged blocks that
 *    follows the measured round trip, every tenth block and the round's last one carrying
 *    DescriptionRequest{"75"}: the answer's bitmap is the device's own account of what it holds.
 *    Group: each block once, NON to the group address with GroupMatch and a=, then every
 *    member's bitmap is read (GET 75). Either way the next round sends only what some device
 *    still lacks, until none lacks anything or `maxRounds` have passed.
 * 3. Everything sent is paced to the link (pacer.ts): never more queued than the line carries.
 *
 * Whether the device accepts the whole image (its SHA-256) shows only when it is loaded: a
 * device that finds the hash wrong refuses the LoadRequest (5, SIGNATURE_FAILED).
 */
import type { Clock } from '../../../core/clock.js';
import { sameBytes } from '../../../core/bytes.js';
import { CoapTimeoutError } from '../../coap/errors.js';
import { FIRMWARE_RESPONSE } from '../../csmp/firmware-response.js';
import { buildPayload, type TlvToBuild } from '../../csmp/payload.js';
import { TLV } from '../../csmp/tlv-ids.js';
import type { Nms } from '../nms.js';
import { chooseBlockSize, MAX_CSMP_MESSAGE, type BlockMessageShape } from './block-size.js';
import { DESCRIBE_FIRMWARE, imageBlockItem, sendTransferRequest, transferRequestItem } from './commands.js';
import type { TransferEvent } from './events.js';
import type { FirmwareImage } from './image.js';
import { LinkPacer } from './pacer.js';
import { firmwareSlots, readFirmwareSlots, slotHolding, slotMissing, type FirmwareSlotInfo } from './slots.js';

export interface RolloutDeps {
  nms: Nms;
  /** The NMS's clock (the rig's time line). */
  clock: Clock;
}

export interface UploadTarget {
  devices: readonly string[];
  /** Send the blocks once to this group (firmware group id, multicast address) instead of to each device. */
  group?: { id: number; address: string };
}

export interface UploadOptions {
  /** Default: the largest that fits the device's 1024-byte messages. */
  blockSize?: number;
  /** Link bytes per clock second (a SLIP dongle: baud / 10). Without it only acknowledgements pace unicast blocks. */
  lineRate?: number;
  /** Upper bound of unacknowledged unicast blocks (default 8; the measured round trip usually sets fewer). */
  maxInFlight?: number;
  maxRounds?: number;
  /** a= of group blocks (default 1). */
  a?: number;
  /** Clock ms to wait for each CON answer (default 10 000). */
  requestTimeoutMs?: number;
  /** hwInfo.hwId of the TransferRequest (default: the image header's hwid). */
  hwId?: string;
  /** Blocks between progress DescriptionRequests (default a tenth of the image). */
  progressEvery?: number;
  signal?: AbortSignal;
  onEvent?: (e: TransferEvent) => void;
  /** For tests of device integrity checks: announce another hash, or change a block's bytes. */
  tamper?: { fileHash?: Uint8Array; block?: (blockNum: number, data: Uint8Array) => Uint8Array };
}

export type DeviceUploadStatus = 'complete' | 'running' | 'refused' | 'failed' | 'aborted';

export interface DeviceUpload {
  device: string;
  status: DeviceUploadStatus;
  /** The TransferResponse code of a refusal. */
  response?: number;
  reason?: string;
  /** Blocks the device already held when this upload started (a resumed transfer). */
  heldAtStart: number;
  /** Its FirmwareImageInfo row for the image, as last read. */
  slot?: FirmwareSlotInfo;
}

export interface UploadResult {
  ok: boolean;
  hash: Uint8Array;
  blockSize: number;
  blocks: number;
  devices: DeviceUpload[];
  /** Block numbers in the order they were sent (a block sent twice is listed twice). */
  sent: number[];
  rounds: number;
  /** Estimated bytes the NMS put on the line for this upload (IPv6, UDP, CoAP, SLIP). */
  lineBytes: number;
  /** Clock ms from the first read to the last confirmation. */
  elapsedMs: number;
}

/** IPv6 + UDP headers and the two SLIP ENDs around every frame. */
const FRAME_OVERHEAD = 40 + 8 + 2;
/** CoAP bytes of a request besides its payload: header, Uri-Path "c", payload marker. */
const COAP_OVERHEAD = 4 + 2 + 1;
const GET_BYTES = FRAME_OVERHEAD + COAP_OVERHEAD + 5;

interface DeviceState {
  name: string;
  status: DeviceUploadStatus | 'sending';
  missing: Set<number>;
  heldAtStart: number;
  response?: number;
  reason?: string;
  slot?: FirmwareSlotInfo;
  stalled: number;
}

export async function uploadImage(deps: RolloutDeps, image: FirmwareImage, target: UploadTarget, opts: UploadOptions = {}): Promise<UploadResult> {
  if (target.devices.length === 0) throw new RangeError('an upload needs at least one device');
  const { nms, clock } = deps;
  const client = nms.client;
  const started = clock.now();
  const emit = (e: TransferEvent): void => opts.onEvent?.(e);
  const timeout = { timeoutMs: opts.requestTimeoutMs ?? 10_000 };
  const hash = opts.tamper?.fileHash ?? image.hash;
  const group = target.group;
  const shape: BlockMessageShape = group ? { groupId: group.id, uriQuery: [`a=${opts.a ?? 1}`], tokenLength: 1 } : {};
  const pacer = new LinkPacer(clock, { ...(opts.lineRate !== undefined ? { bytesPerSecond: opts.lineRate } : {}), maxInFlight: group ? 1 : (opts.maxInFlight ?? 8) });
  const sent: number[] = [];
  let lineBytes = 0;
  const aborted = (): boolean => opts.signal?.aborted === true;

  const states: DeviceState[] = target.devices.map((name) => ({ name, status: 'sending', missing: new Set(), heldAtStart: 0, stalled: 0 }));
  let blockSize = opts.blockSize;
  // 1. What each device holds already.
  const existing = new Map<string, FirmwareSlotInfo | undefined>();
  for (const s of states) {
    lineBytes += GET_BYTES;
    try {
      const slot = slotHolding(await readFirmwareSlots(client, s.name, timeout), hash);
      existing.set(s.name, slot);
      if (slot && !slot.isRunning && slot.bitmap && slot.blockSize) blockSize ??= slot.blockSize;
    } catch (e) {
      Object.assign(s, { status: 'failed', reason: `cannot read its FirmwareImageInfo: ${(e as Error).message}` });
    }
  }
  blockSize = chooseBlockSize(image.bytes.length, shape, blockSize);
  const blocks = Math.ceil(image.bytes.length / blockSize);
  emit({ type: 'start', devices: [...target.devices], blocks, blockSize, bytes: image.bytes.length, ...(group ? { group: group.id } : {}) });

  for (const s of states) {
    if (s.status !== 'sending') continue;
    const slot = existing.get(s.name);
    if (slot?.isRunning) {
      Object.assign(s, { status: 'running', slot });
      continue;
    }
    if (slot && (slot.fileSize ?? 0) === image.bytes.length && (slot.bitmap || slot.blockSize === blockSize)) {
      if (slot.bitmap && slot.blockSize !== blockSize) {
        Object.assign(s, { status: 'failed', slot, reason: `an upload of this image with ${slot.blockSize}-byte blocks is under way; this one uses ${blockSize}` });
        continue;
      }
      // A slot without a bitmap holds the image complete (the reference agent hides it then).
      s.missing = new Set(slotMissing({ ...slot, bitmap: slot.bitmap ?? new Uint8Array(Math.ceil(blocks / 8)).fill(0xff) }, blocks));
      s.heldAtStart = blocks - s.missing.size;
      s.slot = slot;
      emit({ type: 'resume', device: s.name, held: s.heldAtStart, blocks });
      continue;
    }
    const item = transferRequestItem(image, blockSize, { ...(opts.hwId !== undefined ? { hwId: opts.hwId } : {}), fileHash: hash });
    lineBytes += FRAME_OVERHEAD + COAP_OVERHEAD + 200;
    let answer: Awaited<ReturnType<typeof sendTransferRequest>>;
    try {
      answer = await sendTransferRequest(client, s.name, item, timeout);
    } catch (e) {
      if (!(e instanceof CoapTimeoutError)) throw e;
      Object.assign(s, { status: 'failed', reason: `no answer to the TransferRequest: ${e.message}` });
      continue;
    }
    emit({ type: 'transfer-request', device: s.name, ok: answer.ok, name: answer.name });
    if (answer.response === FIRMWARE_RESPONSE.DUP_XFER) {
      // A transfer of this image the slot table did not show: read again and go on from there.
      const again = slotHolding(await readFirmwareSlots(client, s.name, timeout), hash);
      s.missing = new Set(again ? slotMissing(again, blocks) : [...Array(blocks).keys()]);
      s.heldAtStart = blocks - s.missing.size;
      continue;
    }
    if (!answer.ok) {
      Object.assign(s, { status: 'refused', reason: answer.describe, ...(answer.response !== undefined ? { response: answer.response } : {}) });
      continue;
    }
    s.missing = new Set([...Array(blocks).keys()]);
  }

  // 2. Rounds of blocks until nobody lacks any.
  const maxRounds = opts.maxRounds ?? 5;
  const progressEvery = Math.max(1, opts.progressEvery ?? Math.ceil(blocks / 10));
  const blockData = (n: number): Uint8Array => {
    const data = image.bytes.subarray(n * blockSize!, (n + 1) * blockSize!);
    return opts.tamper?.block ? opts.tamper.block(n, data) : data;
  };
  const sending = () => states.filter((s) => s.status === 'sending');
  let rounds = 0;
  try {
    while (!aborted()) {
      for (const s of sending()) if (s.missing.size === 0) s.status = 'complete';
      const active = sending();
      if (active.length === 0) break;
      if (rounds === maxRounds) {
        for (const s of active) Object.assign(s, { status: 'failed', reason: `${s.missing.size} of ${blocks} blocks still missing after ${rounds} rounds` });
        break;
      }
      rounds++;
      const before = new Map(active.map((s) => [s, s.missing.size]));
      if (group) {
        const union = [...new Set(active.flatMap((s) => [...s.missing]))].sort((x, y) => x - y);
        for (const n of union) {
          if (aborted()) break;
          const items = [imageBlockItem(hash, n, blockData(n))];
          const bytes = wireBytes(items, group.id, shape);
          await pacer.acquire(bytes);
          pacer.done();
          await client.postToGroup(active[0]!.name, group.address, items, { groupMatch: { type: 2, id: group.id }, a: opts.a ?? 1, sign: false });
          sent.push(n);
          lineBytes += bytes;
          emit({ type: 'block', block: n, round: rounds, bytes });
        }
        for (const s of active) await refresh(s);
      } else {
        const s = active[0]!;
        const order = [...s.missing].sort((x, y) => x - y);
        const inFlight = new Set<Promise<void>>();
        let confirmed = false;
        for (let i = 0; i < order.length && !aborted(); i++) {
          const n = order[i]!;
          const last = i === order.length - 1;
          // The round's last block waits for every earlier answer: its bitmap then accounts for all of them.
          if (last) await Promise.all(inFlight);
          const describe = last || (i + 1) % progressEvery === 0;
          const items: TlvToBuild[] = [imageBlockItem(hash, n, blockData(n)), ...(describe ? [DESCRIBE_FIRMWARE] : [])];
          const bytes = wireBytes(items, undefined, shape);
          await pacer.acquire(bytes);
          const at = clock.now();
          sent.push(n);
          lineBytes += bytes;
          emit({ type: 'block', block: n, round: rounds, bytes });
          const p = client.post(s.name, items, { sign: false, ...timeout }).then(
            (a) => {
              pacer.done(clock.now() - at);
              if (a.code === '2.01' && describe) {
                update(s, firmwareSlots(a.tlvs));
                confirmed ||= last;
              }
            },
            (e: unknown) => {
              pacer.done();
              if (!(e instanceof CoapTimeoutError)) throw e;
            },
          );
          const tracked = p.finally(() => inFlight.delete(tracked));
          inFlight.add(tracked);
        }
        await Promise.all(inFlight);
        if (!confirmed) await refresh(s);
      }
      for (const s of active) {
        if (s.status !== 'sending') continue;
        s.stalled = s.missing.size < before.get(s)! ? 0 : s.stalled + 1;
        if (s.stalled >= 2) Object.assign(s, { status: 'failed', reason: `no block accepted in two rounds (${s.missing.size} of ${blocks} missing)` });
      }
      emit({ type: 'round', round: rounds, missing: Object.fromEntries(active.map((s) => [s.name, s.missing.size])) });
    }
  } finally {
    pacer.close();
  }
  if (aborted()) {
    emit({ type: 'aborted', reason: String(opts.signal?.reason ?? 'aborted') });
    for (const s of sending()) Object.assign(s, { status: s.missing.size === 0 ? 'complete' : 'aborted', reason: `${s.missing.size} of ${blocks} blocks missing` });
  }

  return {
    ok: states.every((s) => s.status === 'complete' || s.status === 'running'),
    hash,
    blockSize,
    blocks,
    devices: states.map((s) => ({
      device: s.name,
      status: s.status === 'sending' ? 'failed' : s.status,
      heldAtStart: s.heldAtStart,
      ...(s.response !== undefined ? { response: s.response } : {}),
      ...(s.reason !== undefined ? { reason: s.reason } : {}),
      ...(s.slot ? { slot: s.slot } : {}),
    })),
    sent,
    rounds,
    lineBytes,
    elapsedMs: clock.now() - started,
  };

  /** A device's own account (FirmwareImageInfo) of what it holds of this image. */
  function update(s: DeviceState, slots: FirmwareSlotInfo[]): void {
    const slot = slots.find((x) => sameBytes(x.fileHash, hash) && !x.isRunning && !x.isDefault) ?? slotHolding(slots, hash);
    if (!slot) return;
    s.slot = slot;
    s.missing = new Set(slot.bitmap ? slotMissing(slot, blocks) : []);
    emit({ type: 'progress', device: s.name, received: blocks - s.missing.size, blocks });
  }

  async function refresh(s: DeviceState): Promise<void> {
    lineBytes += GET_BYTES;
    try {
      update(s, await readFirmwareSlots(client, s.name, timeout));
    } catch (e) {
      if (!(e instanceof CoapTimeoutError)) throw e;
    }
  }
}

/** Bytes a block message occupies on the line: frame overhead, CoAP, and the SLIP escapes of its payload. */
function wireBytes(items: readonly TlvToBuild[], groupId: number | undefined, shape: BlockMessageShape): number {
  const all = groupId !== undefined ? [{ type: TLV.GroupMatch, fields: { type: 2, id: groupId } }, ...items] : items;
  const payload = buildPayload(all, { lengthStyle: 'minimal' });
  let escapes = 0;
  for (const b of payload) if (b === 0xc0 || b === 0xdb) escapes++;
  const query = (shape.uriQuery ?? []).reduce((n, q) => n + 1 + q.length, 0);
  const size = FRAME_OVERHEAD + COAP_OVERHEAD + (shape.tokenLength ?? 0) + query + payload.length + escapes;
  return Math.min(size, FRAME_OVERHEAD + MAX_CSMP_MESSAGE + escapes);
}

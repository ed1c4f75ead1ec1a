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
import type { ClientAnswer } from '../client.js';
import type { Nms } from '../nms.js';
import { chooseBlockSize, MAX_CSMP_MESSAGE, type BlockMessageShape } from './block-size.js';
import { answerOf, DESCRIBE_FIRMWARE, imageBlockItem, transferRequestItem } from './commands.js';
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
  /**
   * Bytes of the file hash each ImageBlock carries, 4 to 32 (default 8). The reference agent,
   * on every platform it ships for, takes any prefix of at least 4 bytes (MIN_HASH_COMPARE_LEN,
   * csmp-protocol.md 6.7); the draft's field is the whole hash. 8 bytes still tell two images
   * apart and leave 24 more bytes per block for the image: about 2 % of the line.
   */
  blockHashBytes?: number;
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
  /** Whether the device answered the TransferRequest at all (a CoAP answer, whatever its code). */
  answered: boolean;
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
/** SignatureValidity and Signature TLVs of a signed POST. */
const SIGNATURE_BYTES = 100;

interface DeviceState {
  name: string;
  status: DeviceUploadStatus | 'sending';
  answered: boolean;
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
  const hashBytes = opts.blockHashBytes ?? 8;
  if (!Number.isInteger(hashBytes) || hashBytes < 4 || hashBytes > 32) throw new RangeError(`blockHashBytes must be 4 to 32, got ${hashBytes}`);
  const blockHash = hash.subarray(0, hashBytes);
  const shape: BlockMessageShape = group ? { hashBytes, groupId: group.id, uriQuery: [`a=${opts.a ?? 1}`], tokenLength: 1 } : { hashBytes };
  const pacer = new LinkPacer(clock, { ...(opts.lineRate !== undefined ? { bytesPerSecond: opts.lineRate } : {}), maxInFlight: group ? 1 : (opts.maxInFlight ?? 8) });
  const sent: number[] = [];
  let lineBytes = 0;
  const aborted = (): boolean => opts.signal?.aborted === true;

  const states: DeviceState[] = target.devices.map((name) => ({ name, status: 'sending', answered: false, missing: new Set(), heldAtStart: 0, stalled: 0 }));
  let blockSize = chooseBlockSize(image.bytes.length, shape, opts.blockSize);
  let blocks = Math.ceil(image.bytes.length / blockSize);
  // 1. TransferRequest with DescriptionRequest{"75"} in the same POST: the answer says whether the
  //    device took it and, in its FirmwareImageInfo, what it holds of the image already. A device
  //    that holds part of it refuses the request as a duplicate (11; the reference agent answers
  //    2.01 as for any request) and keeps what it has: the transfer resumes from its bitmap.
  // The devices are asked in parallel: their answers cross the line while other requests do.
  const start = async (s: DeviceState): Promise<void> => {
    const item = transferRequestItem(image, blockSize, { ...(opts.hwId !== undefined ? { hwId: opts.hwId } : {}), fileHash: hash });
    lineBytes += wireBytes([item, DESCRIBE_FIRMWARE], undefined, {}) + SIGNATURE_BYTES;
    let a: ClientAnswer;
    try {
      a = await client.post(s.name, [item, DESCRIBE_FIRMWARE], timeout);
    } catch (e) {
      if (!(e instanceof CoapTimeoutError)) throw e;
      Object.assign(s, { status: 'failed', reason: `no answer to the TransferRequest: ${e.message}` });
      return;
    }
    s.answered = true;
    const answer = answerOf(a, TLV.TransferResponse, true);
    emit({ type: 'transfer-request', device: s.name, ok: answer.ok, name: answer.name });
    if (a.code !== '2.01') {
      Object.assign(s, { status: 'refused', reason: answer.describe });
      return;
    }
    let rows = firmwareSlots(a.tlvs);
    if (rows.length === 0) rows = await readFirmwareSlots(client, s.name, timeout).catch(() => []);
    const slot = slotHolding(rows, hash);
    if (slot) s.slot = slot;
    if (slot?.isRunning || answer.response === FIRMWARE_RESPONSE.MATCH_RUN_XFER) {
      s.status = 'running';
      return;
    }
    if (slot?.bitmap) {
      if (slot.blockSize !== undefined && slot.blockSize !== blockSize) {
        if (group || !(slot.blockSize > 0)) {
          Object.assign(s, { status: 'failed', reason: `an upload of this image with ${slot.blockSize}-byte blocks is under way; this one uses ${blockSize}` });
          return;
        }
        blockSize = slot.blockSize;
        blocks = Math.ceil(image.bytes.length / blockSize);
      }
      s.missing = new Set(slotMissing(slot, blocks));
      s.heldAtStart = blocks - s.missing.size;
      if (s.heldAtStart > 0) emit({ type: 'resume', device: s.name, held: s.heldAtStart, blocks });
      return;
    }
    if (slot && (slot.fileSize ?? 0) === image.bytes.length) {
      // Stored whole: the reference agent stops showing the bitmap once an upload is complete.
      return;
    }
    Object.assign(s, {
      status: 'refused',
      reason: answer.response !== undefined ? answer.describe : `${s.name} answered 2.01 but no slot holds the image: it did not take the TransferRequest`,
      ...(answer.response !== undefined ? { response: answer.response } : {}),
    });
  };
  await Promise.all(states.map(start));

  emit({ type: 'start', devices: [...target.devices], blocks, blockSize, bytes: image.bytes.length, ...(group ? { group: group.id } : {}) });

  // 2. Rounds of blocks until nobody lacks any.
  const maxRounds = opts.maxRounds ?? 5;
  const progressEvery = Math.max(1, opts.progressEvery ?? Math.ceil(blocks / 10));
  const blockData = (n: number): Uint8Array => {
    const data = image.bytes.subarray(n * blockSize, (n + 1) * blockSize);
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
          const items = [imageBlockItem(blockHash, n, blockData(n))];
          const bytes = wireBytes(items, group.id, shape);
          await pacer.acquire(bytes);
          pacer.done();
          await client.postToGroup(active[0]!.name, group.address, items, { groupMatch: { type: 2, id: group.id }, a: opts.a ?? 1, sign: false });
          sent.push(n);
          lineBytes += bytes;
          emit({ type: 'block', block: n, round: rounds, bytes });
        }
        await Promise.all(active.map(refresh));
      } else {
        const s = active[0]!;
        const order = [...s.missing].sort((x, y) => x - y);
        const inFlight = new Set<Promise<void>>();
        const acked = new Set<number>();
        let confirmed = false;
        for (let i = 0; i < order.length && !aborted(); i++) {
          const n = order[i]!;
          const last = i === order.length - 1;
          const describe = last || (i + 1) % progressEvery === 0;
          const items: TlvToBuild[] = [imageBlockItem(blockHash, n, blockData(n)), ...(describe ? [DESCRIBE_FIRMWARE] : [])];
          const bytes = wireBytes(items, undefined, shape);
          await pacer.acquire(bytes);
          const at = clock.now();
          sent.push(n);
          lineBytes += bytes;
          emit({ type: 'block', block: n, round: rounds, bytes });
          const p = client.post(s.name, items, { sign: false, ...timeout }).then(
            (a) => {
              pacer.done(clock.now() - at);
              if (a.code === '2.01') acked.add(n);
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
        // The last block's bitmap normally accounts for every earlier block (one line, in order);
        // a block the device acknowledged that the bitmap does not show was overtaken on the
        // mesh: the device is asked again rather than sent the block twice.
        if (!confirmed || [...s.missing].some((n) => acked.has(n))) await refresh(s);
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
      answered: s.answered,
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

/**
 * POST handlers of the firmware flow (TLVs 65, 67-70; csmp-protocol.md 6.7), split from
 * tlv-post.ts. What the meter answers, as the reference agent does:
 * - an accepted TransferRequest answers nothing (2.01 empty, or a CGMSNotification code 0 for
 *   NON): the library writes a TransferResponse only for a refusal. The sample never marks its
 *   refusals present and so never sends one; these meters do, as a correct device must for the
 *   head-end to learn why;
 * - ImageBlock answers nothing; a block that is not for the upload is a handler error;
 * - LoadResponse, CancelLoadResponse and SetBackupResponse are always written.
 * A TransferRequest without hwInfo is refused with 1 (INCOMPATIBLE_HW), as the sample's check
 * reads; the sample itself dereferences the missing field and dies (`crashes-without-hwinfo`).
 * LoadRequest: loadTime 0 loads "soon" (timer armed with 1000 s), a future time arms it with the
 * delay to it, a past one (the draft's 1 = now included) is refused with 6. The timer is the
 * agent's trickle timer: it fires between half and twice the delay (OsalTimers).
 */
import { sameBytes } from '../../../core/bytes.js';
import { FIRMWARE_RESPONSE as FW } from '../../../harness/csmp/firmware-response.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import type { TlvInput } from '../../../harness/csmp/tlv.js';
import { encodeValue, type FieldMap } from '../../../harness/csmp/value.js';
import type { AgentContext, PostResult } from './context.js';
import { AgentCrash } from './device-time.js';

/** csmp-agent-lib's delay for loadTime 0 ("load soon"), seconds. */
const LOAD_SOON_SEC = 1000;
/** `loads-at-wrong-time`: the activation follows within this many seconds. */
const WRONG_TIME_DELAY_SEC = 2;

const FAILED: PostResult = { ok: false, error: 'failed' };
const READ_ERROR: PostResult = { ok: false, error: 'read' };
const DONE: PostResult = { ok: true, outputs: [] };

const answer = (type: number, fields: FieldMap): PostResult => ({ ok: true, outputs: [{ type, value: encodeValue(type, fields) } satisfies TlvInput] });
const withHash = (hash: unknown): FieldMap => (hash instanceof Uint8Array ? { fileHash: hash } : {});

/** Applies firmware TLV `type`; `server` is false inside a registration response, where the agent has no output buffer. */
export function firmwarePost(ctx: AgentContext, type: number, f: FieldMap | undefined, server: boolean): PostResult {
  if (!server) return FAILED;
  if (!f) return READ_ERROR;
  const hash = f['fileHash'];
  switch (type) {
    case TLV.TransferRequest:
      return transfer(ctx, f);
    case TLV.ImageBlock:
      return ctx.firmware.block(hash as Uint8Array | undefined, f['blockNum'] as number | undefined, f['blockData'] as Uint8Array | undefined) ? DONE : FAILED;
    case TLV.LoadRequest:
      return load(ctx, f);
    case TLV.CancelLoadRequest: {
      const pending = ctx.ram.pendingLoad;
      const hit = pending !== undefined && hash instanceof Uint8Array && sameBytes(pending.hash, hash);
      if (hit && !ctx.faults.has('ignores-cancel-load')) ctx.cancelLoad();
      return answer(TLV.CancelLoadResponse, { ...withHash(hash), response: hit ? FW.OK : FW.UNKNOWN_HASH });
    }
    case TLV.SetBackupRequest:
      return answer(TLV.SetBackupResponse, { ...withHash(hash), response: ctx.firmware.setBackup(hash as Uint8Array | undefined) });
    default:
      return { ok: false, error: 'unsupported' };
  }
}

function transfer(ctx: AgentContext, f: FieldMap): PostResult {
  const hw = f['hwInfo'] as FieldMap | undefined;
  if (!hw && ctx.faults.has('crashes-without-hwinfo')) throw new AgentCrash('SIGSEGV', 'TransferRequest without hwInfo');
  const code = ctx.firmware.transfer({
    ...(typeof hw?.['hwId'] === 'string' ? { hwId: hw['hwId'] } : {}),
    ...(typeof hw?.['vendorHwId'] === 'string' ? { vendorHwId: hw['vendorHwId'] } : {}),
    ...(f['fileHash'] instanceof Uint8Array ? { fileHash: f['fileHash'] } : {}),
    ...(typeof f['fileName'] === 'string' ? { fileName: f['fileName'] } : {}),
    ...(typeof f['version'] === 'string' ? { version: f['version'] } : {}),
    ...(typeof f['fileSize'] === 'number' ? { fileSize: f['fileSize'] } : {}),
    ...(typeof f['blockSize'] === 'number' ? { blockSize: f['blockSize'] } : {}),
  });
  return code === FW.OK ? DONE : answer(TLV.TransferResponse, { ...withHash(f['fileHash']), response: code });
}

function load(ctx: AgentContext, f: FieldMap): PostResult {
  const hash = f['fileHash'];
  const loadTime = typeof f['loadTime'] === 'number' ? f['loadTime'] : 0;
  const respond = (response: number, time?: number): PostResult => answer(TLV.LoadResponse, { ...withHash(hash), response, ...(time !== undefined ? { loadTime: time } : {}) });
  const check = ctx.firmware.loadCheck(hash as Uint8Array | undefined);
  if (check.code !== FW.OK || !(hash instanceof Uint8Array)) return respond(check.code);
  const now = ctx.nowSec();
  if (loadTime !== 0 && loadTime <= now) return respond(FW.INVALID_REQ);
  const delay = loadTime === 0 ? LOAD_SOON_SEC : loadTime - now;
  const at = loadTime === 0 ? now + LOAD_SOON_SEC : loadTime;
  ctx.ram.pendingLoad = { hash: hash.slice(), loadTime: at };
  if (ctx.faults.has('cancelled-load-runs-at-next-boot')) ctx.firmware.recordLoad(hash, at);
  ctx.scheduleLoad(hash, ctx.faults.has('loads-at-wrong-time') ? WRONG_TIME_DELAY_SEC : delay);
  return respond(FW.OK, at);
}

/**
 * POST handlers of the virtual meter (csmp-protocol.md 3.5, 5.1, 5.4, 6.6, 6.7). Each applies
 * one TLV and returns its output TLVs; an error makes the caller answer 4.04 (CON), list the
 * type in a CGMSNotification code 3 (NON), or fail the registration (2.03 context).
 *
 * In the registration context the agent has no output buffer: LoadRequest, CancelLoadRequest,
 * SetBackupRequest and firmware TLVs fail there, and a DescriptionRequest dereferences the
 * missing buffer (SIGSEGV, doc 6.1). A TransferRequest without hwInfo crashes too (doc 6.7).
 */
import { decodeValue, encodeValue, type FieldMap } from '../../../harness/csmp/value.js';
import type { TlvInput } from '../../../harness/csmp/tlv.js';
import { parseTlvId } from '../../../harness/csmp/tlv-id.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { sameBytes } from '../../../core/bytes.js';
import type { AgentTl } from './agent-tlv.js';
import type { AgentContext, PostMode, PostResult } from './context.js';
import { AgentCrash } from './device-time.js';
import { FW_INCOMPLETE, FW_INVALID_REQUEST, FW_OK, FW_UNKNOWN_HASH, FirmwareManager } from './firmware.js';
import { CISCO_PEN, getTlv } from './tlv-get.js';

const MAX_SESSION_ID = 16;
const MAX_REPORT_IDS = 15;
const MAX_REPORT_ID_CHARS = 12;
const LOAD_SOON_SEC = 1000;

const FAILED: PostResult = { ok: false, error: 'failed' };
const READ_ERROR: PostResult = { ok: false, error: 'read' };
const UNSUPPORTED: PostResult = { ok: false, error: 'unsupported' };
const DONE: PostResult = { ok: true, outputs: [] };
const tlv = (type: number, fields: FieldMap): TlvInput => ({ type, value: encodeValue(type, fields) });

/** The agent's reading of a TLV id string (doc 4.3): vendor form first, then leading digits. */
export function agentTlvId(text: string): { type: number; vendor?: { pen: number; vendorType: number } } | undefined {
  try {
    return parseTlvId(text, { lenient: true });
  } catch {
    return undefined;
  }
}

export function postTlv(ctx: AgentContext, payload: Uint8Array, tl: AgentTl, mode: PostMode): PostResult {
  const raw = payload.subarray(tl.valueStart, tl.end);
  if (tl.type === TLV.Vendor) return vendor(ctx, tl, raw);
  const decoded = decodeValue({ type: tl.type, value: raw });
  const f = decoded.value;
  const server = mode === 'server';
  switch (tl.type) {
    case TLV.SessionID: {
      if (!f) return READ_ERROR;
      const id = f['id'];
      if (typeof id === 'string') ctx.ram.sessionId = Uint8Array.from(id.slice(0, MAX_SESSION_ID), (c) => c.charCodeAt(0) & 0xff);
      return DONE;
    }
    case TLV.DescriptionRequest: {
      if (!server) throw new AgentCrash('SIGSEGV', 'DescriptionRequest in a registration response (no output buffer)');
      if (!f) return READ_ERROR;
      const outputs: TlvInput[] = [];
      for (const text of (f['tlvid'] as string[] | undefined) ?? []) {
        const id = agentTlvId(text);
        if (!id) continue;
        const got = getTlv(ctx, id, -1);
        if (got.ok) outputs.push(...got.tlvs);
      }
      return { ok: true, outputs };
    }
    case TLV.ReportSubscribe: {
      if (!f) return READ_ERROR;
      const previous = ctx.ram.report.interval;
      if (typeof f['interval'] === 'number') ctx.ram.report.interval = f['interval'];
      const ids = f['tlvid'] as string[] | undefined;
      if (ids) ctx.ram.report.ids = ids.slice(0, MAX_REPORT_IDS).map((s) => s.slice(0, MAX_REPORT_ID_CHARS));
      ctx.reportIntervalChanged(previous);
      return DONE;
    }
    case TLV.CurrentTime: {
      if (!f) return READ_ERROR;
      if (typeof f['posix'] === 'number') ctx.platform.setClock(f['posix']);
      return DONE;
    }
    case TLV.RebootRequest: {
      if (!f || f['flag'] !== 0) return FAILED;
      ctx.scheduleReboot();
      return DONE;
    }
    case TLV.GroupAssign: {
      if (!f) return READ_ERROR;
      const type = f['type'];
      const id = f['id'];
      if (ctx.faults.has('ignore-group-assign')) return DONE;
      if ((type === 1 || type === 2) && typeof id === 'number') {
        const groups = { ...(ctx.settings().groups ?? {}) };
        if (type === 1) groups.config = id;
        else groups.firmware = id;
        ctx.platform.saveGroups(groups);
      }
      return DONE;
    }
    case TLV.GroupMatch:
      // Consumed by the group check; accepted as a no-op where it is applied (2.03).
      return f ? DONE : READ_ERROR;
    case TLV.TransferRequest:
      if (!server) return FAILED;
      return transfer(ctx, f);
    case TLV.ImageBlock: {
      if (!server || !f) return f ? FAILED : READ_ERROR;
      const okBlock = ctx.firmware.block(ctx.slots(), f['fileHash'] as Uint8Array | undefined, f['blockNum'] as number | undefined, f['blockData'] as Uint8Array | undefined);
      return okBlock ? DONE : FAILED;
    }
    case TLV.LoadRequest:
      if (!server) return FAILED;
      return load(ctx, f);
    case TLV.CancelLoadRequest: {
      if (!server) return FAILED;
      if (!f) return READ_ERROR;
      const hash = f['fileHash'] as Uint8Array | undefined;
      const pending = ctx.ram.pendingLoad;
      const hit = pending !== undefined && sameBytes(pending.hash, hash);
      if (hit) ctx.cancelLoad();
      return { ok: true, outputs: [tlv(TLV.CancelLoadResponse, { ...(hash ? { fileHash: hash } : {}), response: hit ? FW_OK : FW_UNKNOWN_HASH })] };
    }
    case TLV.SetBackupRequest: {
      if (!server) return FAILED;
      if (!f) return READ_ERROR;
      const hash = f['fileHash'] as Uint8Array | undefined;
      const slots = ctx.slots();
      let response = FW_UNKNOWN_HASH;
      if (hash && slots.some((s) => sameBytes(s.fileHash, hash))) {
        response = ctx.firmware.complete(slots, hash) ? FW_OK : FW_INCOMPLETE;
        if (response === FW_OK) ctx.platform.saveFirmware(FirmwareManager.setBackup(slots, hash));
      }
      return { ok: true, outputs: [tlv(TLV.SetBackupResponse, { ...(hash ? { fileHash: hash } : {}), response })] };
    }
    case TLV.SignatureSettings: {
      if (!f) return READ_ERROR;
      const cert = f['cert'];
      if (cert instanceof Uint8Array && cert.length > 512) return FAILED;
      for (const [k, v] of Object.entries(f)) ctx.ram.signatureSettings[k] = v as boolean | Uint8Array;
      return DONE;
    }
    default:
      return UNSUPPORTED;
  }
}

function vendor(ctx: AgentContext, tl: AgentTl, raw: Uint8Array): PostResult {
  const f = decodeValue({ type: TLV.Vendor, ...(tl.vendor ? { vendor: tl.vendor } : {}), value: raw }).value;
  if (!f) return READ_ERROR;
  if (tl.vendor?.pen !== CISCO_PEN) return DONE;
  const sub = f['subType'];
  const value = f['value'];
  if (value instanceof Uint8Array) {
    // An unknown sub-type replaces the first slot (the sample's slot 0, doc 5.4).
    const slot = typeof sub === 'number' && ctx.ram.vendor.has(sub) ? sub : 1;
    ctx.ram.vendor.set(slot, value.slice(0, 32));
  }
  return DONE;
}

function transfer(ctx: AgentContext, f: FieldMap | undefined): PostResult {
  if (!f) return READ_ERROR;
  const hw = f['hwInfo'] as FieldMap | undefined;
  if (!hw) throw new AgentCrash('SIGSEGV', 'TransferRequest without hwInfo');
  const slots = ctx.slots();
  const expected = slots.find((s) => s.isRunning)?.hwId;
  const result = ctx.firmware.transfer(
    slots,
    {
      ...(typeof hw['hwId'] === 'string' ? { hwId: hw['hwId'] } : {}),
      ...(typeof hw['vendorHwId'] === 'string' ? { vendorHwId: hw['vendorHwId'] } : {}),
      ...(f['fileHash'] instanceof Uint8Array ? { fileHash: f['fileHash'] } : {}),
      ...(typeof f['fileName'] === 'string' ? { fileName: f['fileName'] } : {}),
      ...(typeof f['version'] === 'string' ? { version: f['version'] } : {}),
      ...(typeof f['fileSize'] === 'number' ? { fileSize: f['fileSize'] } : {}),
      ...(typeof f['blockSize'] === 'number' ? { blockSize: f['blockSize'] } : {}),
    },
    expected,
  );
  if (result.code === FW_OK) {
    ctx.platform.saveFirmware(result.slots);
    return DONE;
  }
  // The library writes a TransferResponse only for a refusal (doc 6.7).
  const hash = f['fileHash'];
  return { ok: true, outputs: [tlv(TLV.TransferResponse, { ...(hash instanceof Uint8Array ? { fileHash: hash } : {}), response: result.code })] };
}

function load(ctx: AgentContext, f: FieldMap | undefined): PostResult {
  if (!f) return READ_ERROR;
  const hash = f['fileHash'] as Uint8Array | undefined;
  const loadTime = typeof f['loadTime'] === 'number' ? f['loadTime'] : 0;
  const slots = ctx.slots();
  const respond = (response: number, time?: number): PostResult => ({
    ok: true,
    outputs: [tlv(TLV.LoadResponse, { ...(hash ? { fileHash: hash } : {}), response, ...(time !== undefined ? { loadTime: time } : {}) })],
  });
  if (!hash || !slots.some((s) => sameBytes(s.fileHash, hash))) return respond(FW_UNKNOWN_HASH);
  if (!ctx.firmware.complete(slots, hash)) return respond(FW_INCOMPLETE);
  const now = ctx.nowSec();
  if (loadTime !== 0 && loadTime <= now) return respond(FW_INVALID_REQUEST);
  const delay = loadTime === 0 ? LOAD_SOON_SEC : loadTime - now;
  const at = loadTime === 0 ? now + LOAD_SOON_SEC : loadTime;
  ctx.ram.pendingLoad = { hash: hash.slice(), loadTime: at };
  ctx.scheduleLoad(hash, delay);
  return respond(FW_OK, at);
}

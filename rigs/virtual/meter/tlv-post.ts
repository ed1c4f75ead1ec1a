/**
 * POST handlers of the virtual meter (csmp-protocol.md 3.5, 5.1, 5.4, 6.6, 6.7). Each applies
 * one TLV and returns its output TLVs; an error makes the caller answer 4.04 (CON), list the
 * type in a CGMSNotification code 3 (NON), or fail the registration (2.03 context).
 *
 * In the registration context the agent has no output buffer: the firmware TLVs (firmware-post.ts)
 * fail there, and a DescriptionRequest dereferences the missing buffer (SIGSEGV, doc 6.1).
 */
import { decodeValue } from '../../../harness/csmp/value.js';
import type { TlvInput } from '../../../harness/csmp/tlv.js';
import { parseTlvId } from '../../../harness/csmp/tlv-id.js';
import { TLV } from '../../../harness/csmp/tlv-ids.js';
import { sameBytes } from '../../../core/bytes.js';
import type { AgentTl } from './agent-tlv.js';
import type { AgentContext, PostMode, PostResult } from './context.js';
import { AgentCrash } from './device-time.js';
import { firmwarePost } from './firmware-post.js';
import { CISCO_PEN, getTlv } from './tlv-get.js';

const MAX_SESSION_ID = 16;
const MAX_REPORT_IDS = 15;
const MAX_REPORT_ID_CHARS = 12;

const FAILED: PostResult = { ok: false, error: 'failed' };
const READ_ERROR: PostResult = { ok: false, error: 'read' };
const UNSUPPORTED: PostResult = { ok: false, error: 'unsupported' };
const DONE: PostResult = { ok: true, outputs: [] };

/** The agent's reading of a TLV id string (doc 4.3): vendor form first, then leading digits. */
export function agentTlvId(text: string): { type: number; vendor?: { pen: number; vendorType: number } } | undefined {
  try {
    return parseTlvId(text, { lenient: true });
  } catch {
    return undefined;
  }
}

/** Types a POST may carry that the meter takes (the handlers below, and the signature's own). */
const POST_TYPES: ReadonlySet<number> = new Set([
  TLV.SessionID, TLV.DescriptionRequest, TLV.ReportSubscribe, TLV.CurrentTime, TLV.RebootRequest, TLV.GroupAssign, TLV.GroupMatch,
  TLV.TransferRequest, TLV.ImageBlock, TLV.LoadRequest, TLV.CancelLoadRequest, TLV.SetBackupRequest, TLV.SignatureSettings,
  TLV.Vendor, TLV.Signature, TLV.SignatureValidity,
]);

/** Whether the meter has any use for a TLV type: it takes it in a POST or serves it to a GET. */
export function knowsTlv(ctx: AgentContext, type: number): boolean {
  if (POST_TYPES.has(type)) return true;
  const got = getTlv(ctx, { type }, -1);
  return got.ok || got.error !== 'unsupported';
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
      if (!server) {
        // The reference agent dereferences the missing output buffer (doc 6.1); the draft allows
        // 8 in a 2.03, so a healthy meter survives it: nothing to answer into, nothing applied.
        if (ctx.faults.has('crash-on-description-in-203')) throw new AgentCrash('SIGSEGV', 'DescriptionRequest in a registration response (no output buffer)');
        return DONE;
      }
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
    case TLV.ImageBlock:
    case TLV.LoadRequest:
    case TLV.CancelLoadRequest:
    case TLV.SetBackupRequest:
      return firmwarePost(ctx, tl.type, f, server);
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

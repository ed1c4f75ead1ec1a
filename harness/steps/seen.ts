/**
 * What a failed step says it saw: NMS events, state transitions and stray answers on the wire,
 * as one line each for the report. Pure text from the bench's records; nothing here acts.
 */
import type { DeviceSpec } from '../config/rig.js';
import type { DeviceRecord } from '../nms/device-state.js';
import type { NmsEvent } from '../nms/events.js';
import type { Nms } from '../nms/nms.js';
import type { Bench } from './bench.js';

/** A clock time as an ISO time on the rig's time line. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** The device's NMS events since `since`; a run of identical ones said once with its count. */
export function eventsSeen(nms: Nms, device: string, since: number): string {
  const list = nms.events.find((e) => e.device === device, since);
  if (list.length === 0) return `no NMS event for ${device} since the test began`;
  // A device retrying against the same refusal repeats one event; say it once with its count.
  const runs: { first: number; last: number; name: string; message: string; n: number }[] = [];
  for (const e of list) {
    const prev = runs[runs.length - 1];
    if (prev && prev.name === e.name && prev.message === e.message) {
      prev.n++;
      prev.last = e.at;
    } else runs.push({ first: e.at, last: e.at, name: e.name, message: e.message, n: 1 });
  }
  const shown = runs.slice(-12).map((r) => (r.n === 1 ? `${isoTime(r.first)} ${r.name}: ${r.message}` : `${isoTime(r.first)} … ${isoTime(r.last)} ${r.name} ×${r.n}: ${r.message}`));
  return `${runs.length > 12 ? `${runs.length - 12} earlier, then ` : ''}${shown.join('; ')}`;
}

export function transitionsSeen(rec: DeviceRecord, sinceMs: number): string {
  const list = rec.transitions.filter((t) => t.at >= sinceMs);
  if (list.length === 0) return `no state change since the test began (${rec.state} since ${isoTime(rec.since)})`;
  return `since the test began: ${list.map((t) => `${isoTime(t.at)} ${t.from}→${t.to} (${t.reason})`).join('; ')}`;
}

/** Answers from the device seen on the wire since `sentAt` that went somewhere else than `source`. */
export function strayAnswers(bench: Bench, dev: DeviceSpec, source: string, sentAt: number, messageId?: number): { from: string; to: string; text: string }[] {
  const frames = bench.frames;
  if (!frames) return [];
  const port = bench.nms.clientPort;
  return frames
    .answersSince(dev.address, sentAt, messageId)
    .filter((m) => messageId === undefined || m.messageId === messageId)
    .filter((m) => m.dst !== source || m.dstPort !== port || m.src !== dev.address || m.srcPort !== dev.port)
    .map((m) => ({
      from: `[${m.src}]:${m.srcPort}`,
      to: `[${m.dst}]:${m.dstPort}`,
      text: `the device sent ${m.type} ${m.code} (MID ${m.messageId}) from [${m.src}]:${m.srcPort} to [${m.dst}]:${m.dstPort}`,
    }));
}

/** The parts of an event's details a reader needs: signed or not, GroupAssign, clock offset. */
export function detailsText(e: NmsEvent): string {
  const d = e.details;
  if (!d) return '';
  const parts: string[] = [];
  if (d['signed'] !== undefined) parts.push(d['signed'] ? 'signed' : 'unsigned');
  const ga = d['groupAssign'] as { type: number; id: number }[] | undefined;
  if (ga?.length) parts.push(`GroupAssign ${ga.map((g) => `{type ${g.type}, id ${g.id}}`).join(', ')}`);
  if (typeof d['clockOffsetS'] === 'number') parts.push(`device clock ${d['clockOffsetS']} s off`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * What the HTML report embeds for one test: each attempt's steps, failure, attachments, its CSMP
 * exchange as sequence-diagram rows and its observations for the timeline, as compact JSON the
 * page parses only when the test is opened. Pure: events in, plain data out.
 */
import { relative, resolve } from 'node:path';
import type { ConsoleLineEvent, FrameEvent, NmsChangeEvent, PowerEvent } from '../../model/observations.js';
import type { Failure, StepRecord, TestCase, TestResult } from '../../model/run-model.js';

/** What one attempt saw, collected while it ran. */
export interface AttemptObservations {
  frames: FrameEvent[];
  console: ConsoleLineEvent[];
  power: PowerEvent[];
  nms: NmsChangeEvent[];
  /** Frames beyond the per-attempt cap, counted but not kept. */
  framesDropped: number;
}

export const emptyObservations = (): AttemptObservations => ({ frames: [], console: [], power: [], nms: [], framesDropped: 0 });

/** Signature marks in diagram rows: 0 none, 1 verified, 2 failed, 3 not checked. */
const SIG = { none: 0, verified: 1, failed: 2, 'not checked': 3 } as const;

export interface Lane {
  /** Shown at the top of the lane: "NMS", "VIP", a device name, or an address the rig does not name. */
  name: string;
  address?: string;
}

/** [ms since attempt start, from lane, to lane, label, signature mark, index into `details` or -1] */
export type DiagramRow = [number, number, number, string, number, number];

export interface FrameDetail {
  at: string;
  direction: string;
  link: string;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  udpChecksumOk?: boolean;
  coap?: FrameEvent['coap'];
  tlvs: FrameEvent['tlvs'];
  signature?: FrameEvent['signature'];
  error?: FrameEvent['error'];
  hex: string;
}

export interface StepView {
  phase: StepRecord['phase'];
  index: number;
  text: string;
  status: StepRecord['status'];
  /** ms since attempt start. */
  t: number;
  duration: number;
  logs: string[];
  failure?: Failure;
}

export interface AttemptView {
  retry: number;
  status: TestResult['status'];
  startTime: number;
  duration: number;
  failure?: Failure;
  skipReason?: string;
  steps: StepView[];
  attachments: { name: string; href: string; type: string }[];
  lanes: Lane[];
  rows: DiagramRow[];
  /** Decoded fields and bytes of the rows that keep them (see HtmlReporter's size rules). */
  details: FrameDetail[];
  framesDropped: number;
  /** [ms since start, direction, text] */
  console: [number, string, string][];
  /** [ms since start, op, outcome, message] */
  power: [number, string, string, string][];
  /** [ms since start, kind, name, message] */
  nms: [number, string, string, string][];
}

export interface TestView {
  attempts: AttemptView[];
}

export interface ViewOptions {
  /** Folder of the HTML file: attachment links are relative to it. */
  htmlDir: string;
  /** Keep decoded fields and bytes for at most this many frames of the attempt. */
  detailFrames: number;
}

export function attemptView(test: TestCase, r: TestResult, o: AttemptObservations, opts: ViewOptions): AttemptView {
  const t0 = r.startTime;
  const lanes = lanesFor(test, o.frames);
  const laneOf = (name: string | undefined, address: string | undefined): number => lanes.findIndex((l) => l.name === laneKey(name, address));
  const details: FrameDetail[] = [];
  const rows: DiagramRow[] = o.frames.map((f) => {
    const from = laneOf(f.from, f.src);
    const to = laneOf(f.to, f.dst);
    let detail = -1;
    if (details.length < opts.detailFrames) {
      detail = details.length;
      details.push(frameDetail(f));
    }
    return [f.at - t0, from, to, frameLabel(f), SIG[f.signature?.status ?? 'none'], detail];
  });
  const view: AttemptView = {
    retry: r.retry,
    status: r.status,
    startTime: r.startTime,
    duration: r.duration,
    steps: r.steps.map((s) => ({
      phase: s.phase,
      index: s.index,
      text: s.text,
      status: s.status,
      t: s.startTime - t0,
      duration: s.duration,
      logs: s.logs,
      ...(s.failure ? { failure: s.failure } : {}),
    })),
    attachments: r.attachments.map((a) => ({ name: a.name, href: relative(opts.htmlDir, resolve(a.path)).split('\\').join('/'), type: a.contentType })),
    lanes,
    rows,
    details,
    framesDropped: o.framesDropped,
    console: o.console.map((l) => [l.at - t0, l.direction, l.text]),
    power: o.power.map((p) => [p.at - t0, p.op, p.outcome, p.message ?? '']),
    nms: o.nms.map((c) => [c.at - t0, c.kind, c.name, c.message]),
  };
  if (r.failure) view.failure = r.failure;
  if (r.skipReason !== undefined) view.skipReason = r.skipReason;
  return view;
}

/** A lane name: the NMS addresses read as roles, a device by its name, anything else by its address. */
function laneKey(rigName: string | undefined, address: string | undefined): string {
  if (rigName === undefined) return address ?? '?';
  return rigName === 'fnd' ? 'NMS' : rigName === 'vip' ? 'VIP' : rigName;
}

/** NMS and VIP first, then the test's device, then whatever else the frames talk to. */
function lanesFor(test: TestCase, frames: readonly FrameEvent[]): Lane[] {
  const lanes: Lane[] = [{ name: 'NMS' }, { name: 'VIP' }, { name: test.device.name, address: test.device.address }];
  const add = (name: string | undefined, address: string | undefined): void => {
    const lane = laneKey(name, address);
    const known = lanes.find((l) => l.name === lane);
    if (known) {
      if (known.address === undefined && address !== undefined) known.address = address;
      return;
    }
    lanes.push({ name: lane, ...(address !== undefined ? { address } : {}) });
  };
  for (const f of frames) {
    add(f.from, f.src);
    add(f.to, f.dst);
  }
  return lanes;
}

/** "CON POST /r · 2 DeviceID, 18 CurrentTime", "ACK 2.03 Valid · 77 Signature", "ipv6: truncated header". */
export function frameLabel(f: FrameEvent): string {
  const c = f.coap;
  if (!c) return f.error ? `${f.error.layer}: ${f.error.reason}` : 'not CoAP';
  const code = c.code.startsWith('0.') && c.codeName.includes(' ') ? c.codeName.slice(c.codeName.indexOf(' ') + 1) : c.codeName;
  const path = c.uriPath.length ? ` /${c.uriPath.join('/')}` : '';
  const query = c.uriQuery.length ? `?${c.uriQuery.join('&')}` : '';
  // Tables repeat a TLV once per row: "16 IPAddress ×3" keeps the arrow readable.
  const counts = new Map<string, number>();
  for (const t of f.tlvs) {
    const name = t.vendor !== undefined ? `${t.vendor}.${t.vendorType ?? '?'} ${t.name}` : `${t.type} ${t.name}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const tlvs = [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name));
  const body = tlvs.length ? ` · ${tlvs.join(', ')}` : '';
  const broken = f.error ? ` · ! ${f.error.layer}: ${f.error.reason}` : '';
  return `${c.type} ${code}${path}${query}${body}${broken}`;
}

function frameDetail(f: FrameEvent): FrameDetail {
  const d: FrameDetail = { at: new Date(f.at).toISOString(), direction: f.direction, link: f.link, tlvs: f.tlvs, hex: f.hex };
  if (f.src !== undefined) Object.assign(d, { src: f.src, dst: f.dst });
  if (f.srcPort !== undefined) Object.assign(d, { srcPort: f.srcPort, dstPort: f.dstPort });
  if (f.udpChecksumOk !== undefined) d.udpChecksumOk = f.udpChecksumOk;
  if (f.coap) d.coap = f.coap;
  if (f.signature) d.signature = f.signature;
  if (f.error) d.error = f.error;
  return d;
}

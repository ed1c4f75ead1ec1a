/**
 * What a virtual board kept powered between two runs remembers, as one JSON file per meter
 * (rigs/virtual/state/state-folder.ts places it): the board's power and RAM (agent state,
 * SessionID, report subscription and how far into its interval the timer was, SignatureSettings),
 * the device clock's offset from true time, and what the next run compares before resuming (the
 * meter's identity and fault models, the NMS key the flash trusts). Flash (groups, firmware
 * slots, certificate) is a folder beside it.
 *
 * `parseMeterState` is the reader: anything it cannot use is a ConfigError naming the file and
 * the field, so the rig can warn and start that meter cold.
 */
import { ConfigError } from '../../../core/errors.js';

export const STATE_FORMAT = 'csmp-hil-virtual-meter-state';
export const STATE_VERSION = 1;

export type SavedAgentState = 'registered' | 'registering' | 'crashed' | 'off';

export interface MeterState {
  /** When it was saved (true time of the rig, ms since the epoch). */
  savedAt: number;
  /** What the meter was configured as; another configuration starts cold. */
  meter: { eui64: string; address: string; faults: string[]; faultOptions: Record<string, number> };
  /** SHA-256 of the rig's NMS public key (SPKI DER), hex. */
  nmsKey: string;
  powered: boolean;
  agent: SavedAgentState;
  crash?: { signal: 'SIGFPE' | 'SIGSEGV' | 'no-bootable-image' | 'hang'; reason: string };
  /** Hex bytes. */
  sessionId?: string;
  report?: { intervalS: number; ids: string[]; nextInS?: number };
  /** SignatureSettings fields: booleans, and bytes as hex (`cert`). */
  signatureSettings?: Record<string, boolean | { hex: string }>;
  /** Device clock minus true time, ms. */
  clockOffsetMs: number;
}

const CRASH_SIGNALS = ['SIGFPE', 'SIGSEGV', 'no-bootable-image', 'hang'] as const;
const AGENT_STATES: readonly SavedAgentState[] = ['registered', 'registering', 'crashed', 'off'];

export function emitMeterState(s: MeterState): string {
  return `${JSON.stringify({ format: STATE_FORMAT, version: STATE_VERSION, ...s }, null, 2)}\n`;
}

/** Reads a state file's text; throws ConfigError `<file>: <field>: <what is wrong>`. */
export function parseMeterState(text: string, file: string): MeterState {
  const bad = (field: string, reason: string): never => {
    throw new ConfigError(`${file}: ${field}`, 'value', reason);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(file, 'syntax', `not JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) return bad('(top)', 'not an object');
  const o = raw;
  if (o['format'] !== STATE_FORMAT) bad('format', `expected '${STATE_FORMAT}', got ${show(o['format'])}`);
  if (o['version'] !== STATE_VERSION) bad('version', `expected ${STATE_VERSION}, got ${show(o['version'])}`);
  const num = (v: unknown, field: string, opts: { integer?: boolean; min?: number } = {}): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(field, `expected a number, got ${show(v)}`);
    if (opts.integer && !Number.isInteger(v)) bad(field, `expected a whole number, got ${v}`);
    if (opts.min !== undefined && v < opts.min) bad(field, `expected at least ${opts.min}, got ${v}`);
    return v;
  };
  const str = (v: unknown, field: string, pattern?: RegExp): string => {
    if (typeof v !== 'string') return bad(field, `expected a string, got ${show(v)}`);
    if (pattern && !pattern.test(v)) bad(field, `${show(v)} does not match ${pattern.source}`);
    return v;
  };
  const strings = (v: unknown, field: string): string[] => {
    if (!Array.isArray(v)) return bad(field, `expected a list of strings, got ${show(v)}`);
    return v.map((x, i) => str(x, `${field}[${i}]`));
  };
  const bool = (v: unknown, field: string): boolean => (typeof v === 'boolean' ? v : bad(field, `expected true or false, got ${show(v)}`));
  const obj = (v: unknown, field: string): Record<string, unknown> => (isObject(v) ? v : bad(field, `expected an object, got ${show(v)}`));

  const m = obj(o['meter'], 'meter');
  const fo = obj(m['faultOptions'] ?? {}, 'meter.faultOptions');
  const faultOptions: Record<string, number> = {};
  for (const [k, v] of Object.entries(fo)) faultOptions[k] = num(v, `meter.faultOptions.${k}`, { integer: true, min: 0 });
  const agent = str(o['agent'], 'agent') as SavedAgentState;
  if (!AGENT_STATES.includes(agent)) bad('agent', `expected one of ${AGENT_STATES.join(', ')}, got ${show(agent)}`);
  const state: MeterState = {
    savedAt: num(o['savedAt'], 'savedAt', { min: 0 }),
    meter: { eui64: str(m['eui64'], 'meter.eui64', /^[0-9a-f]{16}$/), address: str(m['address'], 'meter.address'), faults: strings(m['faults'], 'meter.faults'), faultOptions },
    nmsKey: str(o['nmsKey'], 'nmsKey', /^[0-9a-f]{64}$/),
    powered: bool(o['powered'], 'powered'),
    agent,
    clockOffsetMs: num(o['clockOffsetMs'], 'clockOffsetMs'),
  };
  if (o['crash'] !== undefined) {
    const c = obj(o['crash'], 'crash');
    const signal = str(c['signal'], 'crash.signal') as (typeof CRASH_SIGNALS)[number];
    if (!CRASH_SIGNALS.includes(signal)) bad('crash.signal', `expected one of ${CRASH_SIGNALS.join(', ')}, got ${show(signal)}`);
    state.crash = { signal, reason: str(c['reason'], 'crash.reason') };
  }
  if (agent === 'crashed' && !state.crash) bad('crash', 'missing (the agent was saved crashed)');
  if (o['sessionId'] !== undefined) state.sessionId = str(o['sessionId'], 'sessionId', /^([0-9a-f]{2}){1,32}$/);
  if (o['report'] !== undefined) {
    const r = obj(o['report'], 'report');
    state.report = { intervalS: num(r['intervalS'], 'report.intervalS', { integer: true, min: 0 }), ids: strings(r['ids'] ?? [], 'report.ids') };
    if (r['nextInS'] !== undefined) state.report.nextInS = num(r['nextInS'], 'report.nextInS', { min: 0 });
  }
  if (agent === 'registered' && (state.sessionId === undefined || state.report === undefined)) bad(state.sessionId === undefined ? 'sessionId' : 'report', 'missing (the agent was saved registered)');
  if (o['signatureSettings'] !== undefined) {
    const ss = obj(o['signatureSettings'], 'signatureSettings');
    state.signatureSettings = {};
    for (const [k, v] of Object.entries(ss)) {
      if (typeof v === 'boolean') state.signatureSettings[k] = v;
      else state.signatureSettings[k] = { hex: str(obj(v, `signatureSettings.${k}`)['hex'], `signatureSettings.${k}.hex`, /^([0-9a-f]{2})*$/) };
    }
  }
  return state;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const t = JSON.stringify(v);
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

/**
 * What `hil fuzz` leaves in the reports folder, under fuzz/<device>/seed-<seed>/:
 * - crashes/<n>-input.bin and <n>-minimised.bin: the inputs as sent (a POST's TLV payload before
 *   signing, or the raw frame), the crash corpus a later campaign or a decoder can start from;
 * - crashes/<n>.pcap and <n>-console.txt: the wire to and from the device from the crashing input
 *   to the unanswered probe, and its console over the same time (when the rig has one);
 * - finding-<n>.suite.yaml: the reproducer `hil run FILE --device DEVICE` replays;
 * - junit.xml: one testcase per finding (a passing "no finding" case when there is none), valid
 *   against junit-10.xsd and Surefire's schema like the run's JUnit;
 * - summary.json: the campaign as data.
 * Every file is written atomically, so a campaign stopped at any moment leaves whole files.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { create } from 'xmlbuilder2';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { toHex } from '../../core/bytes.js';
import { buildPayload, decodePayload } from '../csmp/payload.js';
import { formatTlv } from '../csmp/format.js';
import { encodePcap } from '../../core/pcap-format.js';
import { decodeCoapMessage } from '../decode/message.js';
import { renderText } from '../decode/render.js';
import type { CampaignResult, Finding } from './campaign.js';
import { describeInput, inputSize, type FuzzInput } from './fuzz-input.js';
import { reproducerSuite } from './reproducer.js';
import { xmlSafe } from '../report/sanitize.js';
import { makeDirs } from '../../core/make-dirs.js';

export interface FuzzReportContext {
  dir: string;
  device: string;
  rig: string;
  signed: boolean;
}

export interface WrittenFinding {
  number: number;
  suite: string;
}

/** The files of finding `n`, relative to the campaign folder. */
export function findingFiles(n: number, f: Finding): { suite: string; input: string; minimised: string; pcap?: string; console?: string } {
  return {
    suite: `finding-${n}.suite.yaml`,
    input: `crashes/${n}-input.bin`,
    minimised: `crashes/${n}-minimised.bin`,
    ...(f.evidence ? { pcap: `crashes/${n}.pcap` } : {}),
    ...(f.evidence?.console !== undefined ? { console: `crashes/${n}-console.txt` } : {}),
  };
}

export function findingsDir(reports: string, device: string, seed: number): string {
  return join(reports, 'fuzz', device.replace(/[^A-Za-z0-9._-]/g, '_'), `seed-${seed}`);
}

export function inputBytes(input: FuzzInput): Uint8Array {
  return input.kind === 'inject' ? input.bytes : buildPayload(input.tlvs.map((t) => ({ type: t.type, fields: t.fields })), { lengthStyle: 'minimal' });
}

/** Writes one finding's corpus files and reproducer as soon as it is found. */
export function writeFinding(ctx: FuzzReportContext, f: Finding, number: number, seed: number): WrittenFinding {
  const files = findingFiles(number, f);
  makeDirs(join(ctx.dir, 'crashes'));
  writeFileAtomic(join(ctx.dir, files.input), inputBytes(f.input));
  writeFileAtomic(join(ctx.dir, files.minimised), inputBytes(f.minimised));
  if (files.pcap) writeFileAtomic(join(ctx.dir, files.pcap), encodePcap(f.evidence!.frames));
  if (files.console) writeFileAtomic(join(ctx.dir, files.console), f.evidence!.console!);
  const suite = join(ctx.dir, files.suite);
  writeFileAtomic(suite, reproducerSuite(f, { device: ctx.device, seed, number, signed: ctx.signed }));
  return { number, suite };
}

/**
 * `stoppedBy`: why a stopped campaign stopped ("received SIGINT"). Its JUnit then carries an error
 * case saying so, so a CI never reads a cut-short campaign as a clean one.
 */
export function writeSummary(ctx: FuzzReportContext, r: CampaignResult, stoppedBy?: string): void {
  makeDirs(ctx.dir);
  const findings = r.findings.map((f, i) => ({
    number: i + 1,
    kind: f.kind,
    detail: f.detail,
    index: f.index,
    hits: f.hits,
    input: describeInput(f.input),
    inputHex: toHex(inputBytes(f.input)),
    minimised: describeInput(f.minimised),
    minimisedHex: toHex(inputBytes(f.minimised)),
    minimisedBy: f.minimisedBy,
    size: { input: inputSize(f.input), minimised: inputSize(f.minimised) },
    inputDecoded: decodedInput(f.input),
    detectMs: f.detectMs,
    recovered: f.recovered,
    framesSeen: f.evidence?.frames.length,
    consoleAnswers: f.evidence?.consoleAnswers,
    files: findingFiles(i + 1, f),
  }));
  const summary = { device: ctx.device, rig: ctx.rig, seed: r.seed, inputs: r.inputs, elapsedMs: r.elapsedMs, ended: r.ended, ...(stoppedBy !== undefined ? { stoppedBy } : {}), findings };
  writeFileAtomic(join(ctx.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  // Last: what CI reads exists only once the files it names do.
  writeFileAtomic(join(ctx.dir, 'junit.xml'), junitXml(ctx, r, stoppedBy));
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

export function junitXml(ctx: FuzzReportContext, r: CampaignResult, stoppedBy?: string): string {
  const name = `fuzz @ ${ctx.device}`;
  const stopped = r.ended === 'stopped';
  const errors = stopped ? 1 : 0;
  const cases = Math.max(1, r.findings.length) + errors;
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'hil fuzz', tests: String(cases), failures: String(r.findings.length), errors: String(errors), time: seconds(r.elapsedMs) });
  const suite = root.ele('testsuite', { name, tests: String(cases), failures: String(r.findings.length), errors: String(errors), skipped: '0', time: seconds(r.elapsedMs) });
  const props = suite.ele('properties');
  for (const [k, v] of [['rig', ctx.rig], ['device', ctx.device], ['seed', String(r.seed)], ['inputs', String(r.inputs)], ['ended', r.ended], ['host', hostname()]] as const) props.ele('property', { name: k, value: xmlSafe(v) });
  if (!r.findings.length) suite.ele('testcase', { name: `no crash in ${r.inputs} inputs (seed ${r.seed})`, classname: name, time: seconds(r.elapsedMs) });
  if (stopped) {
    const why = `the campaign was stopped (${stoppedBy ?? 'stopped'}) after ${r.inputs} inputs: the rest of its budget was not fuzzed`;
    suite.ele('testcase', { name: `campaign interrupted after ${r.inputs} inputs (seed ${r.seed})`, classname: name, time: seconds(r.elapsedMs) }).ele('error', { type: 'interrupted', message: xmlSafe(why) });
  }
  r.findings.forEach((f, i) => {
    const files = findingFiles(i + 1, f);
    const tc = suite.ele('testcase', { name: `finding ${i + 1}: ${f.kind} after input ${f.index}`, classname: name, time: seconds(f.detectMs) });
    const text = [
      `input ${f.index} of seed ${r.seed}: ${describeInput(f.input)}`,
      `input bytes (${f.input.kind === 'post' ? 'TLV payload before signing' : 'CoAP frame'}): ${toHex(inputBytes(f.input), ' ')}`,
      `input decoded:\n${decodedInput(f.input)}`,
      `minimised (${f.minimisedBy}): ${describeInput(f.minimised)}`,
      `same crash after inputs: ${f.hits.join(', ')}`,
      silent(f)
        ? `no answer to GET 2,22,7,45 (DeviceID, Uptime, SessionID, CGMSStats) within the probe timeout, twice: detected ${(f.detectMs / 1000).toFixed(1)} s after the input was sent; ${f.recovered ? 'answered again after a power cycle' : 'did not come back'}`
        : `${f.detail}: detected ${(f.detectMs / 1000).toFixed(1)} s after the input was sent, by GET 2,22,7,45 (DeviceID, Uptime, SessionID, CGMSStats)`,
      ...(f.evidence ? [`wire: ${f.evidence.frames.length} frame(s) to and from the device from the input to the verdict in ${files.pcap}${f.evidence.droppedFrames ? ` (${f.evidence.droppedFrames} more not kept)` : ''}`] : []),
      ...(files.console ? [`console over the same time: ${files.console}; ${consoleSays(f)}`] : []),
      `reproducer: hil run ${join(ctx.dir, files.suite)} --device ${ctx.device} --rig ${ctx.rig}`,
    ].join('\n');
    // Fuzz inputs hold NULs and other characters XML cannot carry.
    tc.ele('failure', { type: f.kind, message: xmlSafe(`${ctx.device} ${silent(f) ? 'stopped answering' : f.kind} after ${describeInput(f.minimised)}`) }).txt(xmlSafe(text));
    const attached = [files.suite, files.minimised, files.pcap, files.console].filter((x): x is string => x !== undefined);
    tc.ele('system-out').txt(attached.map((a) => `[[ATTACHMENT|${a}]]\n`).join(''));
  });
  return root.end({ prettyPrint: true });
}

/** Crashed and hung devices went silent; rebooted and degraded ones answered. */
export function silent(f: Finding): boolean {
  return f.kind === 'crashed' || f.kind === 'hung';
}

function consoleSays(f: Finding): string {
  if (!f.evidence!.consoleAnswers) return 'the console did not give its prompt either (the board hangs)';
  return silent(f) ? 'the console still gave its prompt (the board runs, the agent does not answer)' : 'the console still gave its prompt';
}

/** The input as decoded text: a frame as `hil decode` shows it, a POST's TLVs field by field. */
export function decodedInput(input: FuzzInput): string {
  if (input.kind === 'inject') return renderText(decodeCoapMessage(input.bytes));
  const { tlvs, error } = decodePayload(inputBytes(input));
  return [...tlvs.map((t) => `    ${formatTlv(t)}`), ...(error ? [`  ! ${error.message}`] : [])].join('\n');
}

/**
 * What `hil fuzz` leaves in the reports folder, under fuzz/<device>/seed-<seed>/:
 * - crashes/<n>-input.bin and <n>-minimised.bin: the inputs as sent (a POST's TLV payload before
 *   signing, or the raw frame), the crash corpus a later campaign or a decoder can start from;
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
import { buildPayload } from '../csmp/payload.js';
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

export function findingsDir(reports: string, device: string, seed: number): string {
  return join(reports, 'fuzz', device.replace(/[^A-Za-z0-9._-]/g, '_'), `seed-${seed}`);
}

export function inputBytes(input: FuzzInput): Uint8Array {
  return input.kind === 'inject' ? input.bytes : buildPayload(input.tlvs.map((t) => ({ type: t.type, fields: t.fields })), { lengthStyle: 'minimal' });
}

/** Writes one finding's corpus files and reproducer as soon as it is found. */
export function writeFinding(ctx: FuzzReportContext, f: Finding, number: number, seed: number): WrittenFinding {
  const crashes = join(ctx.dir, 'crashes');
  makeDirs(crashes);
  writeFileAtomic(join(crashes, `${number}-input.bin`), inputBytes(f.input));
  writeFileAtomic(join(crashes, `${number}-minimised.bin`), inputBytes(f.minimised));
  const suite = join(ctx.dir, `finding-${number}.suite.yaml`);
  writeFileAtomic(suite, reproducerSuite(f, { device: ctx.device, seed, number, signed: ctx.signed }));
  return { number, suite };
}

export function writeSummary(ctx: FuzzReportContext, r: CampaignResult): void {
  makeDirs(ctx.dir);
  const findings = r.findings.map((f, i) => ({
    number: i + 1,
    kind: f.kind,
    index: f.index,
    hits: f.hits,
    input: describeInput(f.input),
    inputHex: toHex(inputBytes(f.input)),
    minimised: describeInput(f.minimised),
    minimisedHex: toHex(inputBytes(f.minimised)),
    minimisedBy: f.minimisedBy,
    size: { input: inputSize(f.input), minimised: inputSize(f.minimised) },
    detectMs: f.detectMs,
    recovered: f.recovered,
    reproducer: `finding-${i + 1}.suite.yaml`,
  }));
  const summary = { device: ctx.device, rig: ctx.rig, seed: r.seed, inputs: r.inputs, elapsedMs: r.elapsedMs, ended: r.ended, findings };
  writeFileAtomic(join(ctx.dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileAtomic(join(ctx.dir, 'junit.xml'), junitXml(ctx, r));
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

export function junitXml(ctx: FuzzReportContext, r: CampaignResult): string {
  const name = `fuzz @ ${ctx.device}`;
  const cases = Math.max(1, r.findings.length);
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('testsuites', { name: 'hil fuzz', tests: String(cases), failures: String(r.findings.length), errors: '0', time: seconds(r.elapsedMs) });
  const suite = root.ele('testsuite', { name, tests: String(cases), failures: String(r.findings.length), errors: '0', skipped: '0', time: seconds(r.elapsedMs) });
  const props = suite.ele('properties');
  for (const [k, v] of [['rig', ctx.rig], ['device', ctx.device], ['seed', String(r.seed)], ['inputs', String(r.inputs)], ['ended', r.ended], ['host', hostname()]] as const) props.ele('property', { name: k, value: xmlSafe(v) });
  if (!r.findings.length) suite.ele('testcase', { name: `no crash in ${r.inputs} inputs (seed ${r.seed})`, classname: name, time: seconds(r.elapsedMs) });
  r.findings.forEach((f, i) => {
    const tc = suite.ele('testcase', { name: `finding ${i + 1}: crashed after input ${f.index}`, classname: name, time: seconds(f.detectMs) });
    const text = [
      `input ${f.index} of seed ${r.seed}: ${describeInput(f.input)}`,
      `minimised (${f.minimisedBy}): ${describeInput(f.minimised)}`,
      `same crash after inputs: ${f.hits.join(', ')}`,
      `no answer to GET 11 within the probe timeout; ${f.recovered ? 'answered again after a power cycle' : 'did not come back'}`,
      `reproducer: hil run ${join(ctx.dir, `finding-${i + 1}.suite.yaml`)} --device ${ctx.device} --rig ${ctx.rig}`,
    ].join('\n');
    // Fuzz inputs hold NULs and other characters XML cannot carry.
    tc.ele('failure', { type: f.kind, message: xmlSafe(`${ctx.device} stopped answering after ${describeInput(f.minimised)}`) }).txt(xmlSafe(text));
    tc.ele('system-out').txt(`[[ATTACHMENT|finding-${i + 1}.suite.yaml]]\n[[ATTACHMENT|crashes/${i + 1}-minimised.bin]]\n`);
  });
  return root.end({ prettyPrint: true });
}

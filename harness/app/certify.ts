/**
 * `hil certify` as a function: run the certification set against a rig and write one evidence
 * bundle (bundle-layout.ts) whose signed manifest binds every verdict to the firmware image.
 *
 * Before any test the devices are asked, through the NMS, which image they run (TLV 75): a device
 * that runs another image, or does not say, fails the certification and no test runs. On a virtual
 * rig the meters are given the image under test first (their FirmwareImageInfo then reports its
 * SHA-256), unless the rig file already says which image they run.
 *
 * Certified means: every device runs the image, every test of the set passed (a pass after a
 * retry counts, and is listed as flaky), and the bundle holds every result: the run recorded all
 * it wrote, and each attachment its JUnit names is in the bundle. Exit 0 certified, 1 not
 * certified, 2 could not run or could not write the bundle.
 *
 * The signed envelope is written last: a bundle folder either ends with one over a complete
 * manifest, or holds no manifest at all (hil verify: not a bundle).
 * The lab key signs the manifest and is never written or printed anywhere.
 */
import { readFileSync, readdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import { systemReason, writeFileAtomic } from '../../core/atomic-write.js';
import { ConfigError, ResourceError } from '../../core/errors.js';
import { loadRig, type Rig } from '../config/rig.js';
import { DEFAULT_SET, loadSuiteSet, type SuiteSet } from '../config/suite-set.js';
import { loadSuite } from '../config/suite.js';
import { ENVELOPE_FILE, INTERRUPTED_FILE, MANIFEST_FILE, PUBLIC_KEY_FILE, REPORTS_DIR } from '../evidence/bundle-layout.js';
import { envelope, keyId } from '../evidence/dsse.js';
import { hashFile, listTree, sha256Hex } from '../evidence/files.js';
import { incompleteReports } from '../evidence/references.js';
import { loadLabKey, type LabKey } from '../evidence/signing-key.js';
import { PAYLOAD_TYPE, statement, type CertificationPredicate, type DeviceEvidence, type EvidenceFile, type Verdict } from '../evidence/statement.js';
import type { Reporter } from '../model/reporter.js';
import type { RunSummary, TestCase, TestResult } from '../model/run-model.js';
import type { RunOptions } from '../runner/options.js';
import { packageRoot } from './defaults.js';
import { deviceIdentity } from './device-identity.js';
import { runSuites } from './run-suites.js';
import { ProcessStop } from './process-stop.js';
import { makeDirs } from '../../core/make-dirs.js';

export interface CertifyOptions {
  rigFile: string;
  firmwareFile: string;
  keyFile?: string;
  /** The bundle folder; must not exist or be empty. */
  outDir: string;
  suitesDir: string;
  /** Default suites/sets/certification.yaml. */
  setFile?: string;
  run?: Pick<RunOptions, 'retries' | 'stepTimeoutMs'>;
  stdout?: Writable & { isTTY?: boolean; columns?: number };
  stderr?: Writable & { isTTY?: boolean; columns?: number };
  signals?: NodeJS.Process;
  /** The process's stop (the CLI's): a stopped certification writes interrupted.json, never a manifest. */
  stop?: ProcessStop;
}

export interface CertifyResult {
  exitCode: number;
  certified: boolean;
  reasons: string[];
  bundle: string;
}

/** Final results per test, for the manifest's verdicts. */
class VerdictCollector implements Reporter {
  readonly name = 'verdicts';
  readonly tests: TestCase[] = [];
  readonly attempts = new Map<string, TestResult[]>();
  onBegin(info: { tests: TestCase[] }): void {
    this.tests.push(...info.tests);
  }
  onTestEnd(test: TestCase, result: TestResult): void {
    const list = result.retry === 0 ? [] : (this.attempts.get(test.id) ?? []);
    this.attempts.set(test.id, [...list, result]);
  }
  verdicts(): Verdict[] {
    return this.tests.map((t) => {
      const list = this.attempts.get(t.id) ?? [];
      const last = list[list.length - 1];
      const outcome = !last ? 'not run' : last.status === 'passed' && list.length > 1 ? 'flaky' : last.status;
      const message = last?.failure?.message ?? last?.skipReason;
      return { test: t.title, suite: t.suite.name, device: t.device.name, outcome, attempts: list.length, ...(message !== undefined ? { message } : {}) };
    });
  }
}

/** The bundle folder must be new or empty; a file there, or one that cannot be listed, is said with the path. */
function refuseUsedBundleFolder(dir: string): void {
  if (!existsSync(dir)) return;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new ConfigError(dir, 'conflict', '--out names a file, not a folder: the bundle folder must be new or empty');
    throw new ConfigError(dir, 'file', `cannot list the bundle folder: ${systemReason(e)}`);
  }
  if (entries.length) throw new ConfigError(dir, 'conflict', 'the bundle folder must be new or empty: a bundle holds one certification run and nothing else');
}

export async function certify(o: CertifyOptions): Promise<CertifyResult> {
  const stop = o.stop ?? new ProcessStop(o.signals ?? process, { parentPollMs: 0 });
  try {
    return await certifyWith({ ...o, stop });
  } finally {
    if (!o.stop) stop.dispose();
  }
}

async function certifyWith(o: CertifyOptions & { stop: ProcessStop }): Promise<CertifyResult> {
  const stderr = o.stderr ?? process.stderr;
  const say = (line: string): void => void stderr.write(`hil certify: ${line}\n`);
  const fail = (message: string): CertifyResult => {
    say(message);
    return { exitCode: 2, certified: false, reasons: [message], bundle: o.outDir };
  };

  let key: LabKey | undefined;
  let image: Buffer;
  let set: SuiteSet;
  let rig: Rig;
  let suiteNames: string[];
  try {
    refuseUsedBundleFolder(o.outDir);
    // The key first: a run of many minutes must not end in a bundle that cannot be signed.
    if (o.keyFile !== undefined) key = loadLabKey(o.keyFile);
    try {
      image = readFileSync(o.firmwareFile);
    } catch (e) {
      throw new ConfigError(`--firmware ${o.firmwareFile}`, 'file', `cannot read the image: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    set = await loadSuiteSet(o.setFile ?? DEFAULT_SET(o.suitesDir), o.suitesDir);
    rig = await loadRig(o.rigFile);
    suiteNames = await Promise.all(set.suites.map(async (s) => (await loadSuite(s.file)).name));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof ResourceError) return fail(e.message);
    throw e;
  }
  const imageSha = sha256Hex(image);
  try {
    makeDirs(o.outDir);
  } catch (e) {
    return fail(`${o.outDir}: cannot create the bundle folder: ${systemReason(e)}`);
  }
  const reportsDir = join(o.outDir, REPORTS_DIR);
  let runDir: string;
  try {
    runDir = mkdtempSync(join(tmpdir(), 'hil-certify-'));
  } catch (e) {
    return fail(`${tmpdir()}: cannot create the run's temporary folder: ${systemReason(e)}`);
  }
  const collector = new VerdictCollector();
  let devices: DeviceEvidence[] = [];
  let summary: RunSummary | undefined;
  let refused: string | undefined;
  let unrecorded: Record<string, number> | undefined;
  let exitCode: number;
  // A third signal exits at once: the run's temporary folder must not outlive it.
  const forgetRunDir = o.stop.atExit(() => rmSync(runDir, { recursive: true, force: true }));
  try {
    const r = await runSuites({
      rigFile: o.rigFile,
      suitePaths: set.suites.map((s) => s.file),
      reportsDir,
      runDir,
      reporters: 'events',
      ...(o.stdout ? { stdout: o.stdout } : {}),
      stderr,
      stop: o.stop,
      run: { ...o.run },
      report: { extraReports: [{ label: 'bundle', path: o.outDir }] },
      extraReporters: [collector],
      adjustRig: (r) => withImage(r, resolve(o.firmwareFile)),
      preflight: async (opened) => {
        devices = await Promise.all(opened.rig.devices.map((d) => deviceIdentity(opened, d, imageSha)));
        const wrong = devices.filter((d) => d.problem !== undefined);
        return wrong.length ? `not certifying: ${wrong.map((d) => `${d.name} ${d.problem}`).join('; ')}` : undefined;
      },
    });
    summary = r.summary;
    refused = r.refused;
    unrecorded = r.unrecorded;
    exitCode = r.exitCode;
  } finally {
    rmSync(runDir, { recursive: true, force: true });
    forgetRunDir();
  }
  if (exitCode === 2 && !refused) return { exitCode: 2, certified: false, reasons: ['the run could not start'], bundle: o.outDir };

  const verdicts = collector.verdicts();
  if (o.stop.signal.aborted) return interrupted(o, o.stop, verdicts, say);
  const reasons: string[] = [];
  if (refused !== undefined) reasons.push(refused);
  for (const d of devices) if (d.problem !== undefined && refused === undefined) reasons.push(`${d.name} ${d.problem}`);
  const bad = verdicts.filter((v) => v.outcome !== 'passed' && v.outcome !== 'flaky');
  if (refused === undefined && !verdicts.length) reasons.push('no test of the set ran');
  if (bad.length) reasons.push(`${bad.length} of ${verdicts.length} tests did not pass: ${bad.slice(0, 5).map((v) => `${v.test} (${v.outcome})`).join('; ')}${bad.length > 5 ? '; …' : ''}`);
  if (summary && summary.status !== 'passed') reasons.push(`the run ended ${summary.status}${summary.message ? `: ${summary.message}` : ''}`);
  if (unrecorded) reasons.push(`the run could not record all its results (writes failed: ${failedWrites(unrecorded, o.outDir)})`);
  let files: EvidenceFile[];
  let folders: string[];
  try {
    const tree = existsSync(reportsDir) ? listTree(o.outDir) : { entries: [], folders: [] };
    files = tree.entries.map((e) => hashFile(o.outDir, e.path));
    folders = tree.folders;
    if (refused === undefined) reasons.push(...incompleteReports(o.outDir, files));
  } catch (e) {
    return fail(`${bundleError(e, o.outDir)}; the bundle is not complete: ${o.outDir} has no manifest`);
  }
  const certified = reasons.length === 0;

  const predicate: CertificationPredicate = {
    verdict: certified ? 'certified' : 'not certified',
    reasons,
    firmware: { file: basename(o.firmwareFile), digest: { sha256: imageSha }, size: image.length },
    devices,
    rig: { name: rig.name, file: basename(o.rigFile), digest: { sha256: sha256Hex(readFileSync(o.rigFile)) } },
    harness: harnessIdentity(),
    suiteSet: { name: set.name, version: set.version, file: basename(set.file), digest: { sha256: set.sha256 } },
    suites: set.suites.map((s, i) => ({ name: suiteNames[i]!, file: basename(s.file), digest: { sha256: s.sha256 } })),
    ...(summary
      ? { run: { startTime: new Date(summary.startTime).toISOString(), durationMs: summary.duration, status: summary.status, counts: { ...summary.counts } } }
      : {}),
    verdicts,
    files,
    folders,
  };
  const st = statement(basename(o.firmwareFile), predicate);
  const payload = Buffer.from(JSON.stringify(st), 'utf8');
  const written: string[] = [];
  try {
    // The envelope last: the bundle counts as one (hil verify) only once everything else is there.
    for (const [name, text] of [
      [MANIFEST_FILE, `${JSON.stringify(st, null, 2)}\n`],
      ...(key ? [[PUBLIC_KEY_FILE, key.publicKey.export({ type: 'spki', format: 'pem' }).toString()]] : []),
      [ENVELOPE_FILE, `${JSON.stringify(envelope(PAYLOAD_TYPE, payload, key), null, 2)}\n`],
    ] as [string, string][]) {
      writeFileAtomic(join(o.outDir, name), text);
      written.push(join(o.outDir, name));
    }
  } catch (e) {
    // An unsigned readable manifest left behind would still read "certified" to a person.
    for (const f of written) {
      try {
        rmSync(f, { force: true });
      } catch {
        // The write error is the one to report.
      }
    }
    return fail(`${bundleError(e, o.outDir)}; the bundle is not complete: ${o.outDir} has no manifest`);
  }

  const out = o.stdout ?? process.stdout;
  out.write(`${certified ? 'certified' : 'NOT certified'}: ${basename(o.firmwareFile)} (SHA-256 ${imageSha}) on rig ${rig.name}, ${set.name} set v${set.version}\n`);
  for (const r of reasons) out.write(`  - ${r}\n`);
  out.write(`bundle: ${o.outDir} (${predicate.files.length} files by SHA-256; ${key ? `manifest signed by key ${keyId(key.publicKey)}` : 'NOT signed: no --key'})\n`);
  return { exitCode: certified ? 0 : 1, certified, reasons, bundle: o.outDir };
}

/**
 * A stopped certification proves nothing: no manifest and no signature, so the folder can never
 * verify as a bundle, but the verdicts gathered so far are kept beside the reports, each test the
 * run did not finish marked so, and the command exits as a stopped run does (128 + the signal).
 */
function interrupted(o: CertifyOptions, stop: ProcessStop, verdicts: Verdict[], say: (line: string) => void): CertifyResult {
  const reason = `interrupted: ${stop.reason ?? 'stopped'}`;
  const record = { interrupted: stop.reason ?? 'stopped', signal: stop.received, firmware: basename(o.firmwareFile), note: 'not a certification bundle: the run was stopped before it ended; nothing here is signed', verdicts };
  try {
    writeFileAtomic(join(o.outDir, INTERRUPTED_FILE), `${JSON.stringify(record, null, 2)}\n`);
    say(`${reason}: no manifest written; the results gathered so far are in ${join(o.outDir, INTERRUPTED_FILE)} and ${join(o.outDir, REPORTS_DIR)}`);
  } catch (e) {
    say(`${reason}: no manifest written; ${bundleError(e, o.outDir)}`);
  }
  return { exitCode: stop.exitCode(), certified: false, reasons: [reason], bundle: o.outDir };
}

/** 'attachments 5 times, reports/junit.xml 2 times': what failed, files by their place in the bundle. */
function failedWrites(unrecorded: Record<string, number>, outDir: string): string {
  const named = Object.entries(unrecorded).map(([what, n]) => {
    const rel = relative(resolve(outDir), resolve(what));
    const inBundle = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && (isAbsolute(what) || what.includes(sep));
    return [inBundle ? rel.split(sep).join('/') : what, n] as const;
  });
  return named
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([what, n]) => `${what} ${n} time${n === 1 ? '' : 's'}`)
    .join(', ');
}

/** The message of an error met while hashing or writing the bundle. */
function bundleError(e: unknown, outDir: string): string {
  if (e instanceof ResourceError || e instanceof ConfigError) return e.message;
  if ((e as NodeJS.ErrnoException)?.code) return `${(e as NodeJS.ErrnoException).path ?? outDir}: ${systemReason(e)}`;
  throw e;
}

/** On a virtual rig, the meters run the image under test unless the rig already says what they run. */
function withImage(rig: Rig, imageFile: string): Rig {
  const v = rig.virtual as { firmwareImage?: string; meters?: { initial?: { firmware?: unknown } }[] } | undefined;
  if (!v || v.firmwareImage !== undefined || (v.meters ?? []).some((m) => m.initial?.firmware !== undefined)) return rig;
  return { ...rig, virtual: { ...rig.virtual, firmwareImage: imageFile } };
}

function harnessIdentity(): { name: string; version: string } {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name?: string; version?: string };
    return { name: pkg.name ?? 'csmp-hil', version: pkg.version ?? 'unknown' };
  } catch {
    return { name: 'csmp-hil', version: 'unknown' };
  }
}

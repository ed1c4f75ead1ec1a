/**
 * Issue 14, reproduced against the built CLI on the virtual rig: signals at several moments, an
 * orphaned run, two runs on one reports folder, a full disk (tmpfs in a private mount namespace),
 * hostile rig files. Each waits on what the run writes (the lock, events.jsonl), never on time.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { ensureBuilt, hil, MAIN, processesMentioning, ROOT, startHil, until } from '../harness/cli/support/cli.js';
import { inMountNamespace, onTmpfs } from './support/mount-namespace.js';

jest.setTimeout(240_000);

let dir: string;
beforeAll(() => ensureBuilt());
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-rel-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const RUN = ['run', 'suites/1-registration.yaml', '--device', 'meter-1', '--reporter', 'events'];
const testBegun = (reports: string): boolean => existsSync(join(reports, 'events.jsonl')) && readFileSync(join(reports, 'events.jsonl'), 'utf8').includes('"type":"testBegin"');
const rootLine = (xml: string): string => /<testsuites [^>]*>/.exec(xml)![0];
const xmllint = (file: string): void => void execFileSync('xmllint', ['--noout', file]);

describe('signals (item 3)', () => {
  test('SIGTERM once the folder is taken, before the rig opened: exit 143, JUnit lists every test as not run and the run as interrupted, the lock is gone', async () => {
    const reports = join(dir, 'r');
    const h = startHil([...RUN, '--reports', reports]);
    await until(() => existsSync(join(reports, '.hil.lock')), 60_000, 'the reports lock');
    h.child.kill('SIGTERM');
    const r = await h.exited;
    expect(r.code).toBe(143);
    const xml = readFileSync(join(reports, 'junit.xml'), 'utf8');
    xmllint(join(reports, 'junit.xml'));
    // Five tests not run, and the run's own verdict that it was interrupted: never a green file.
    expect(rootLine(xml)).toMatch(/^<testsuites name="virtual" tests="6" failures="0" errors="1" /);
    expect(xml.match(/<skipped message="not run: received SIGTERM[^"]*"/g)).toHaveLength(5);
    expect(xml).toMatch(/<error message="the run was interrupted \(received SIGTERM[^"]*\): 5 tests not run" type="interrupted">/);
    expect(existsSync(join(reports, '.hil.lock'))).toBe(false);
  });

  test('SIGHUP during a test: exit 129 and a valid JUnit, the helper processes gone', async () => {
    const reports = join(dir, 'r');
    const h = startHil([...RUN, '--reports', reports]);
    await until(() => testBegun(reports), 150_000, 'the first test to begin');
    h.child.kill('SIGHUP');
    const r = await h.exited;
    expect(r.code).toBe(129);
    xmllint(join(reports, 'junit.xml'));
    expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toContain('received SIGHUP');
    expect(existsSync(join(reports, '.hil.lock'))).toBe(false);
  });

  test('orphaned (the parent that started it killed, as CI kills npx): hil stops by itself as if hung up', async () => {
    const reports = join(dir, 'r');
    // A shell stands in for npx: it starts hil and is then killed with SIGKILL, which hil never sees.
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${MAIN}" ${RUN.join(' ')} --reports "${reports}" >/dev/null 2>&1 & echo $!; wait`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => sh.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()))));
    await until(() => testBegun(reports), 150_000, 'the first test to begin');
    sh.kill('SIGKILL');
    await until(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] === 'Z', 60_000, 'the orphaned hil to exit');
    xmllint(join(reports, 'junit.xml'));
    expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toContain('is gone');
    expect(existsSync(join(reports, '.hil.lock'))).toBe(false);
  });
});

describe('signals in the one-shot commands (item 3)', () => {
  const SIGNO = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
  test.each([
    ['check', 'SIGINT', ['check']],
    ['request', 'SIGTERM', ['request', 'meter-1', '11']],
    ['diagnose', 'SIGHUP', ['diagnose', 'meter-1']],
  ] as const)('hil %s stopped by %s once its virtual rig runs: exit 128+n, its temp folder and helper processes gone', async (_name, signal, args) => {
    // TMPDIR here, so the command's hil-XXXXXX folder is this test's and nothing else's.
    const c = spawn(process.execPath, [MAIN, ...args, '--rig', 'rigs/virtual.yaml'], { cwd: ROOT, env: { ...process.env, TMPDIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => c.on('close', (code) => resolve(code)));
    const temp = (): string[] => readdirSync(dir).filter((f) => f.startsWith('hil-'));
    // The rig is running once a helper process (pty, power) names the command's folder.
    await until(() => temp().some((f) => processesMentioning(join(dir, f)).length > 0), 60_000, `hil ${args[0]}'s virtual rig to start`);
    c.kill(signal);
    expect(await exited).toBe(128 + SIGNO[signal]);
    expect(stderr).toContain(`stopped: received ${signal}`);
    expect(temp()).toEqual([]);
    expect(processesMentioning(dir)).toEqual([]);
  });
});

describe('two runs on one reports folder (item 1)', () => {
  test('the second is refused with exit 2 naming the first, and the first runs on untouched to a pass', async () => {
    const reports = join(dir, 'r');
    // Every suite on one meter: long enough that the second run has loaded while the first still runs.
    const first = startHil(['run', '--device', 'meter-1', '--reporter', 'events', '--reports', reports]);
    await until(() => testBegun(reports), 150_000, 'the first run to begin a test');
    const sockets = (): string[] => readdirSync(join(reports, 'rig', 'meters', 'meter-1')).filter((f) => f.endsWith('.sock')).sort();
    const before = sockets();
    const second = await hil([...RUN, '--reports', reports]);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`pid ${first.child.pid}`);
    expect(sockets()).toEqual(before);
    const r = await first.exited;
    // Before the lock, the first run lost its power sockets: "power-cli: cannot reach …/power.sock: connect ENOENT".
    expect([0, 1]).toContain(r.code);
    expect(r.stdout + r.stderr).not.toContain('ENOENT');
    xmllint(join(reports, 'junit.xml'));
  });
});

/**
 * Exit 4, each failed write said once with its reason, no stack trace or uncaught error, and a
 * JUnit left behind (if any) valid and not green.
 */
function expectResultsNotRecorded(r: { code: number | null; stderr: string }, reason: string, junit: string): void {
  expect(r.code).toBe(4);
  const said = r.stderr.split('\n').filter((l) => l.startsWith('hil run: cannot record results: '));
  expect(said.length).toBeGreaterThan(0);
  expect(said.every((l) => l.includes(reason))).toBe(true);
  expect(new Set(said).size).toBe(said.length);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stderr).not.toMatch(/uncaught|Unhandled/i);
  if (existsSync(junit)) {
    xmllint(junit);
    expect(rootLine(readFileSync(junit, 'utf8'))).not.toMatch(/ errors="0"/);
  }
}

describe('a full disk (item 2)', () => {
  onTmpfs('reports on a 256 KiB tmpfs: each failed file is said once, exit 4, and the JUnit is never green', async () => {
    const out = join(dir, 'out');
    const mnt = join(dir, 'mnt');
    const script = [
      `mkdir -p "${mnt}" "${out}"`,
      `mount -t tmpfs -o size=256k tmpfs "${mnt}"`,
      `"${process.execPath}" "${MAIN}" ${RUN.join(' ')} --reports "${mnt}/r"`,
      'code=$?',
      `cp "${mnt}/r/junit.xml" "${out}/" 2>/dev/null`,
      'exit $code',
    ].join('\n');
    const r = await inMountNamespace(script);
    expectResultsNotRecorded(r, 'no space left on the device (ENOSPC)', join(out, 'junit.xml'));
  });
});

describe('a disk made read-only mid-run (item 2)', () => {
  onTmpfs('EROFS after the first test began: said once per file, no uncaught error, exit 4, and no JUnit that reads as passed', async () => {
    const out = join(dir, 'out');
    const mnt = join(dir, 'mnt');
    // The remount waits on what the run writes (its first testBegin), not on time.
    const script = [
      `mkdir -p "${mnt}" "${out}"`,
      `mount -t tmpfs -o size=64m tmpfs "${mnt}"`,
      `"${process.execPath}" "${MAIN}" ${RUN.join(' ')} --reports "${mnt}/r" &`,
      'pid=$!',
      `until grep -q '"type":"testBegin"' "${mnt}/r/events.jsonl" 2>/dev/null; do kill -0 $pid 2>/dev/null || break; sleep 0.05; done`,
      // A remount of the folder's own file system is refused while files are open for writing
      // (EBUSY); a read-only file system mounted over the reports folder gives every later open,
      // temp file and rename there the EROFS a remount would.
      `mount -t tmpfs -o ro tmpfs "${mnt}/r"`,
      'wait $pid',
      'code=$?',
      `cp "${mnt}/r/junit.xml" "${out}/" 2>/dev/null`,
      'exit $code',
    ].join('\n');
    const r = await inMountNamespace(script);
    expectResultsNotRecorded(r, 'the file system is read-only (EROFS)', join(out, 'junit.xml'));
  });
});

describe('hostile rig files (items 4 and 5)', () => {
  test('--reports under /proc is refused at once with exit 2 (Node\'s recursive mkdir spun there, deaf to signals)', async () => {
    const r = await hil([...RUN, '--reports', '/proc/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hil run: reports folder /proc/x: cannot create the folder: the folder does not exist (ENOENT)\n');
  });

  test('an alias bomb is a config error at file:line:col, exit 2, and the reports folder is not created', async () => {
    const rig = join(dir, 'bomb.yaml');
    const rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [i, n] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) rows.push(`${n}: &${n} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`);
    writeFileSync(rig, `${rows.join('\n')}\n`);
    const r = await hil(['run', '--rig', rig, '--reports', join(dir, 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hil run: ${rig}:2:8: YAML: aliases expand to more than 100 copies (an alias bomb?)\n`);
    expect(existsSync(join(dir, 'r'))).toBe(false);
  });

  test.each([
    ['branch: nosuchbranch', (t: string) => t.replace('branch: registration', 'branch: nosuchbranch'), /^hil run: \S+\/s\.yaml:3:9: branch: 'nosuchbranch' is not one of registration, /],
    ['a wait of 10^20 hours', (t: string) => t.replace('within: 5m }', 'within: 100000000000000000000h }'), /^hil run: \S+\/s\.yaml:\d+:\d+: step \d+: expect-state: '100000000000000000000h' is longer than 24 days/],
  ])('%s: exit 2 with file:line:col before anything is created', async (_what, edit, said) => {
    const suite = join(dir, 's.yaml');
    writeFileSync(suite, edit(readFileSync(join(ROOT, 'suites', '1-registration.yaml'), 'utf8')));
    const r = await hil(['run', suite, '--reports', join(dir, 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(said);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(existsSync(join(dir, 'r'))).toBe(false);
  });

  test('/dev/zero as the rig: refused at the read ceiling, exit 2', async () => {
    const r = await hil(['run', '--rig', '/dev/zero', '--reports', join(dir, 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('hil run: /dev/zero: cannot read rig file: larger than the 4 MiB read at most (a character device that goes on past that)\n');
  });

  test('a private key written inline in nms.signing.key is refused naming the setting, and never shown', async () => {
    const rig = join(dir, 'pem.yaml');
    const secret = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRETSECRET';
    const text = readFileSync(join(ROOT, 'rigs', 'virtual.yaml'), 'utf8')
      .replace('key: virtual/keys/nms-key.pem', `key: |\n      -----BEGIN PRIVATE KEY-----\n      ${secret}\n      -----END PRIVATE KEY-----`)
      .replace(/(\s)virtual\//g, `$1${join(ROOT, 'rigs', 'virtual')}/`);
    writeFileSync(rig, text);
    const r = await hil(['run', '--rig', rig, '--reports', join(dir, 'r')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`hil run: ${rig}:14:10: nms.signing.key: holds PEM text instead of a path; write it to a file and give the file's path (the text is not shown)\n`);
    expect(r.stdout + r.stderr).not.toContain(secret);
  });
});

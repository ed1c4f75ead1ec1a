import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { JUnitReporter } from '../../../harness/report/junit.js';
import { Multiplexer } from '../../../harness/model/multiplexer.js';
import { Run } from '../../../harness/runner/run.js';
import { FakeExecutor, gate, untilAborted } from '../runner/support/fake-executor.js';
import { fakeRig, suite } from '../runner/support/fixtures.js';
import { FakeClock } from '../../support/fake-clock.js';
import { RecordingReporter } from '../runner/support/recording-reporter.js';
import { validateJUnit, xpath } from './support/xmllint.js';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hil-junit-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const HOSTILE = 'bell\u0007 end]]> <script>alert(1)</script> & "q" \u001b[31mred\u001b[0m \uD800';

const mixed = suite(
  'clock-skew',
  'tests:',
  '  - { name: passes, steps: [ { get: 75 } ] }',
  '  - { name: expectation fails, steps: [ { get: 43 }, { expect: { tlv: 43, field: NMSCertValid, equals: false } } ] }',
  '  - { name: harness throws, steps: [ { get: 44 } ] }',
  '  - { name: needs a clock, requires: [clock-set], steps: [ { console: clock-set +2h } ] }',
);

function hostileExecutor(): FakeExecutor {
  return new FakeExecutor()
    .when('get: 75', async (_s, ctx) => {
      ctx.log(`console: ${HOSTILE}`);
      ctx.attach({ name: 'capture', path: '/var/hil/reports/passes.pcap', contentType: 'application/vnd.tcpdump.pcap' });
      return { status: 'passed' };
    })
    .when('expect: tlv 43 NMSCertValid equals false', async () => ({
      status: 'failed',
      message: `NMSCertValid is ${HOSTILE}`,
      expected: 'false',
      seen: HOSTILE,
      likelyCause: 'meter clock inside the certificate validity',
      fix: 'set the clock with console clock-set',
    }))
    .when('get: 44', async () => {
      throw new Error(`decoder choked on ${HOSTILE}`);
    });
}

test('hostile device strings still give a report valid against junit-10.xsd and Surefire\'s schema, with the right elements', async () => {
  const file = join(dir, 'junit.xml');
  const rig = fakeRig([{ name: 'meter-1' }, { name: 'meter-2', capabilities: ['console', 'power', 'clock-set'] }]);
  await new Run({ rig, suites: [mixed], executor: hostileExecutor(), reporter: new JUnitReporter({ outputFile: file }), options: { clock: new FakeClock(1_700_000_000_000) } }).start();

  expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
  expect(await xpath(file, 'string(/testsuites/@tests)')).toBe('8');
  expect(await xpath(file, 'string(/testsuites/@failures)')).toBe('2');
  expect(await xpath(file, 'string(/testsuites/@errors)')).toBe('2');
  const s1 = '/testsuites/testsuite[@name="clock-skew @ meter-1"]';
  expect(await xpath(file, `concat(${s1}/@tests, " ", ${s1}/@failures, " ", ${s1}/@errors, " ", ${s1}/@skipped)`)).toBe('4 1 1 1');
  expect(await xpath(file, `string(${s1}/properties/property[@name="eui64"]/@value)`)).toBe('00173b0000000001');
  expect(await xpath(file, `string(${s1}/properties/property[@name="firmwareVersion"]/@value)`)).toBe('6.2.19');
  expect(await xpath(file, `string(${s1}/properties/property[@name="rig"]/@value)`)).toBe('fake-rig');
  expect(await xpath(file, `string(${s1}/properties/property[@name="device"]/@value)`)).toBe('meter-1');

  const tc = (name: string): string => `${s1}/testcase[@name="${name}"]`;
  expect(await xpath(file, `string(${tc('passes')}/@classname)`)).toBe('clock-skew @ meter-1');
  expect(await xpath(file, `count(${tc('passes')}/*)`)).toBe('1');
  expect(await xpath(file, `string(${tc('expectation fails')}/failure/@type)`)).toBe('expectation');
  expect(await xpath(file, `count(${tc('expectation fails')}/error)`)).toBe('0');
  expect(await xpath(file, `string(${tc('harness throws')}/error/@type)`)).toBe('error');
  expect(await xpath(file, `count(${tc('harness throws')}/failure)`)).toBe('0');
  expect(await xpath(file, `string(${tc('needs a clock')}/skipped)`)).toBe("meter-1 lacks capability 'clock-set' (has: console, power)");

  const out = await xpath(file, `string(${tc('passes')}/system-out)`);
  // Relative to the JUnit file's folder, as Jenkins resolves them.
  expect(out).toContain(`[[ATTACHMENT|${relative(dir, '/var/hil/reports/passes.pcap')}]]`);
  // Control characters become visible escapes, ANSI colours vanish, markup stays text.
  expect(out).toContain('console: bell\\x07 end]]> <script>alert(1)</script> & "q" red \\u{d800}');
  const failureText = await xpath(file, `string(${tc('expectation fails')}/failure)`);
  expect(failureText).toContain('seen: bell\\x07 end]]> <script>');
  expect(failureText).toContain('likely cause: meter clock inside the certificate validity');
  expect(failureText).toContain('fix: set the clock with console clock-set');
  const raw = readFileSync(file, 'utf8');
  expect(raw).not.toContain('<script>');
  expect(raw).not.toMatch(/\]\]>/);
  expect(raw).toContain('end]]&gt; &lt;script&gt;');
});

test('the file is rewritten after every test, so it is valid while the run is still going, and never green before the run ends', async () => {
  const file = join(dir, 'junit.xml');
  const held = gate();
  const executor = new FakeExecutor().when('get: 2', async () => (await held.promise, { status: 'passed' }));
  const s = suite('live', 'tests:', '  - { name: first, steps: [ { get: 1 } ] }', '  - { name: second, steps: [ { get: 2 } ] }');
  const recorder = new RecordingReporter();
  const done = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter: new Multiplexer([new JUnitReporter({ outputFile: file }), recorder]) }).start();
  await recorder.ended(1);
  await executor.started(2);
  expect((await validateJUnit(file)).exitCode).toBe(0);
  expect(await xpath(file, 'count(//testcase[@classname!="csmp-hil"])')).toBe('1');
  expect(await xpath(file, 'string(//testcase[@classname!="csmp-hil"]/@name)')).toBe('first');
  // Killed now, or its next write failing, the file must not read as passed.
  expect(await xpath(file, 'string(//testcase[@classname="csmp-hil"]/error/@type)')).toBe('incomplete');
  expect(await xpath(file, 'string(/testsuites/@errors)')).toBe('1');
  held.open();
  await done;
  expect(await xpath(file, 'count(//testcase)')).toBe('2');
  expect(await xpath(file, 'string(/testsuites/@errors)')).toBe('0');
});

test('retries as Surefire records them: flakyFailure per failed attempt of a flaky test, rerunFailure/rerunError for one that never passed; interrupted tests are <error type="interrupted">', async () => {
  const file = join(dir, 'junit.xml');
  const s = suite(
    'fi',
    'tests:',
    '  - { name: flaky, steps: [ { get: 1 } ] }',
    '  - { name: always, steps: [ { get: 2 } ] }',
    '  - { name: stuck, steps: [ { nms: expect-registration } ] }',
    '  - { name: never, steps: [ { get: 3 } ] }',
  );
  const executor = new FakeExecutor()
    .when('get: 1', async (_s, ctx) => (ctx.retry === 0 ? { status: 'failed', message: 'first try' } : { status: 'passed' }))
    .when('get: 2', async (_s, ctx) => {
      if (ctx.retry === 1) throw new Error('port gone');
      return { status: 'failed', message: `try ${ctx.retry + 1}` };
    })
    .when('nms: expect-registration', untilAborted);
  const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter: new JUnitReporter({ outputFile: file }), options: { retries: 2 } });
  const done = run.start();
  await executor.started(6);
  run.interrupt('received SIGINT');
  await done;
  expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
  const tc = (name: string): string => `//testcase[@name="${name}"]`;
  expect(await xpath(file, `count(${tc('flaky')}/@status)`)).toBe('0');
  expect(await xpath(file, `count(${tc('flaky')}/*[self::failure or self::error])`)).toBe('0');
  expect(await xpath(file, `string(${tc('flaky')}/flakyFailure/@message)`)).toBe('step 1 (get: 1): first try');
  expect(await xpath(file, `string(${tc('flaky')}/flakyFailure/stackTrace)`)).toMatch(/^step 1 \(get: 1\): first try\n/);
  expect(await xpath(file, `string(${tc('flaky')}/flakyFailure/system-out)`)).toMatch(/^attempt 1: failed\nFAILED  step 1: get: 1 /);
  expect(await xpath(file, `string(${tc('flaky')}/system-out)`)).toMatch(/^attempt 1: failed: step 1 \(get: 1\): first try\nattempt 2: passed \(flaky\)\n/);
  // The verdict is the last attempt; the earlier ones follow in Surefire's element order.
  expect(await xpath(file, `string(${tc('always')}/failure/@message)`)).toBe('step 1 (get: 2): try 3');
  expect((await xpath(file, `${tc('always')}/*`)).match(/<([\w-]+)/g)).toEqual(['<failure', '<rerunFailure', '<stackTrace', '<system-out', '<rerunError', '<stackTrace', '<system-out', '<system-out']);
  expect(await xpath(file, `string(${tc('always')}/rerunFailure/@message)`)).toBe('step 1 (get: 2): try 1');
  expect(await xpath(file, `string(${tc('always')}/rerunError/@message)`)).toBe('step 1 (get: 2): port gone');
  expect(await xpath(file, `string(${tc('stuck')}/error/@type)`)).toBe('interrupted');
  expect(await xpath(file, `string(${tc('stuck')}/error/@message)`)).toBe('received SIGINT during step 1 (nms: expect-registration)');
  expect(await xpath(file, `string(${tc('never')}/skipped)`)).toBe('not run: received SIGINT');
  expect(await xpath(file, `string(${tc('never')}/skipped/@message)`)).toBe('not run: received SIGINT');
});

test('the root time is the wall time of the run (suites on different devices overlap), each suite its own sum', async () => {
  const file = join(dir, 'junit.xml');
  const clock = new FakeClock(1_700_000_000_000);
  const s = suite('w', 'tests:', '  - { name: one, steps: [ { get: 1 } ] }');
  const aDone = gate();
  // Both devices start together; a takes 5 s, b waits for a: 5 s each, 5 s of wall time.
  const executor = new FakeExecutor().when('get: 1', async (_s, ctx) => {
    if (ctx.device.name === 'a') {
      clock.advance(5000);
      aDone.open();
    } else await aDone.promise;
    return { status: 'passed' };
  });
  await new Run({ rig: fakeRig([{ name: 'a' }, { name: 'b' }]), suites: [s], executor, reporter: new JUnitReporter({ outputFile: file }), options: { clock } }).start();
  expect(await xpath(file, 'concat(//testsuite[@name="w @ a"]/@time, " ", //testsuite[@name="w @ b"]/@time)')).toBe('5.000 5.000');
  expect(await xpath(file, 'string(/testsuites/@time)')).toBe('5.000');
});

test('attachment paths relative to the JUnit file by default, to the project root on request (GitLab)', async () => {
  const s = suite('p', 'tests:', '  - { name: one, steps: [ { get: 1 } ] }');
  const executor = (): FakeExecutor =>
    new FakeExecutor().when('get: 1', async (_s, ctx) => {
      ctx.attach({ name: 'm.pcap', path: join(dir, 'reports', 'attachments', 'p', 'm', 'one.pcap'), contentType: 'application/vnd.tcpdump.pcap' });
      return { status: 'passed' };
    });
  const nested = join(dir, 'reports', 'junit.xml');
  await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor: executor(), reporter: new JUnitReporter({ outputFile: nested }) }).start();
  expect(await xpath(nested, 'string(//system-out)')).toContain('[[ATTACHMENT|attachments/p/m/one.pcap]]');
  const gitlab = join(dir, 'reports', 'gitlab.xml');
  await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor: executor(), reporter: new JUnitReporter({ outputFile: gitlab, attachmentPaths: 'project', projectRoot: dir }) }).start();
  expect(await xpath(gitlab, 'string(//system-out)')).toContain('[[ATTACHMENT|reports/attachments/p/m/one.pcap]]');
});

test('a run killed with SIGTERM leaves a valid report with the finished tests and the interrupted one', async () => {
  const file = join(dir, 'junit.xml');
  const child = execa('node', ['--import', './test/harness/report/support/register-ts.mjs', 'test/harness/report/support/killable-run.ts', file], { reject: false });
  let seen = '';
  const third = new Promise<void>((resolve) =>
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('started killable @ meter-1 › t3\n')) resolve();
    }),
  );
  await Promise.race([third, once(child, 'exit').then(() => Promise.reject(new Error(`child exited early: ${seen}`)))]);
  child.kill('SIGTERM');
  const result = await child;
  expect(result.exitCode).toBe(143);
  expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
  expect(await xpath(file, 'count(//testcase[not(*[self::failure or self::error or self::skipped])])')).toBe('2');
  expect(await xpath(file, 'string(//testcase[@name="t3"]/error/@type)')).toBe('interrupted');
  expect(await xpath(file, 'string(//testcase[@name="t3"]/error/@message)')).toBe('received SIGTERM during step 1 (nms: expect-registration)');
  expect(await xpath(file, 'string(//testcase[@name="t4"]/skipped)')).toBe('not run: received SIGTERM');
});

test('a run note about a device heads the system-out of its next test to end, or of its last one when none follows; a note about no device is not put on a test', async () => {
  const recorder = new RecordingReporter();
  const s = suite('notes', 'tests:', '  - { name: first, steps: [ { get: 1 } ] }', '  - { name: second, steps: [ { get: 2 } ] }');
  await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor: new FakeExecutor(), reporter: recorder, options: { clock: new FakeClock(1_700_000_000_000) } }).start();
  const file = join(dir, 'junit.xml');
  const junit = new JUnitReporter({ outputFile: file });
  const [first, second] = recorder.results;
  junit.onBegin(recorder.info!);
  junit.onNote({ kind: 'device-recovered', message: 'm was power-cycled', at: 0, device: 'm' });
  junit.onNote({ kind: 'port-bound', message: 'link dongle0: bound', at: 0, link: 'dongle0' });
  junit.onTestEnd(first!.test, first!.result);
  junit.onTestEnd(second!.test, second!.result);
  junit.onNote({ kind: 'lease-lost', message: 'device m: lease lost', at: 0, device: 'm' });
  junit.onEnd(recorder.summary!);

  const out = (name: string): Promise<string> => xpath(file, `string(//testcase[@name="${name}"]/system-out)`);
  expect((await out('first')).split('\n').slice(0, 2)).toEqual(['note (device-recovered): m was power-cycled', '']);
  expect((await out('second')).split('\n').slice(0, 2)).toEqual(['note (lease-lost): device m: lease lost', '']);
  expect(readFileSync(file, 'utf8')).not.toContain('dongle0');
  expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
});

test('a run interrupted before its tests ran is red: its untouched tests are <skipped> "not run", and the run says it was interrupted and how many it did not run', async () => {
  const file = join(dir, 'junit.xml');
  const s = suite('early', 'tests:', '  - { name: stuck, steps: [ { nms: expect-registration } ] }', '  - { name: one, steps: [ { get: 1 } ] }', '  - { name: two, steps: [ { get: 2 } ] }');
  const executor = new FakeExecutor().when('nms: expect-registration', untilAborted);
  const run = new Run({ rig: fakeRig([{ name: 'm' }]), suites: [s], executor, reporter: new JUnitReporter({ outputFile: file }) });
  const done = run.start();
  await executor.started(1);
  run.interrupt('received SIGINT');
  await done;
  expect(await validateJUnit(file)).toEqual({ exitCode: 0, stderr: `${file} validates` });
  expect(await xpath(file, 'concat(/testsuites/@tests, " ", /testsuites/@failures, " ", /testsuites/@errors)')).toBe('4 0 2');
  const run1 = '//testsuite[@name="csmp-hil"]/testcase[@name="run completed and recorded"]/error';
  expect(await xpath(file, `concat(${run1}/@type, " | ", ${run1}/@message)`)).toBe('interrupted | the run was interrupted (received SIGINT): 2 tests not run');
  expect(await xpath(file, 'string(//testcase[@name="two"]/skipped/@message)')).toBe('not run: received SIGINT');
});

test('a run that ends complete carries no run-level verdict', async () => {
  const file = join(dir, 'junit.xml');
  await new Run({ rig: fakeRig([{ name: 'm' }]), suites: [suite('fine', 'tests:', '  - { name: one, steps: [ { get: 1 } ] }')], executor: new FakeExecutor(), reporter: new JUnitReporter({ outputFile: file }) }).start();
  expect(await xpath(file, 'count(//testsuite[@name="csmp-hil"])')).toBe('0');
  expect(await xpath(file, 'concat(/testsuites/@tests, " ", /testsuites/@errors)')).toBe('1 0');
});

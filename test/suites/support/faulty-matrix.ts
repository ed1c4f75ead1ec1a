/**
 * The faulty-model matrix: one meter per fault model (or fault state) and the one test of its
 * suite made to catch it, with what each failure must say. Run on a cold rig (faulty.test.ts) and
 * on a rig found already registered (as-found.test.ts): a fault must be caught the same way
 * whichever way the run starts.
 */
import { describe, expect, test } from '@jest/globals';
import type { CaseResult } from './run.js';
import type { MeterPlan } from './rigs.js';

const oldImage = { fileName: 'meter-fw-5.6.20', version: '5.6.20', fileSize: 305408, blockSize: 1024, hwId: 'RFLAN/3.60/3.80' };

const starved = (meter: string): string =>
  `step 2 (get: 18): GET 18: no answer from ${meter} within 4s — device silent: no answer from the device reached the NMS in time; no flowchart branch is guessed from missing answers`;

export const FAULTY_METERS: MeterPlan[] = [
  { faults: ['accept-unsigned-post'] },
  { faults: ['ignore-group-assign'] },
  { initial: { firmware: [{ index: 1, running: true, ...oldImage }, { index: 2 }, { index: 3, default: true, ...oldImage }] } },
  { faults: ['report-cert-valid', 'accept-bad-signature'] },
  { faults: ['ignore-signature-validity'] },
  { faults: ['reply-to-nms-address'] },
  { faults: ['demo-mode-sticky'] },
  { faults: ['give-up-registration'] },
  { faults: ['apply-after-signature'] },
  { faults: ['no-reregister-after-4xx'] },
  { faults: ['reply-from-wrong-address'] },
  { faults: ['drop-every-nth'] },
  { faults: ['malformed-tlvs'] },
  { faults: ['registration-storm'] },
  { faults: ['retries-once-after-4xx'] },
  { faults: ['keeps-registering-when-registered'] },
];

/** The tests of FAULTY_METERS' suites that catch each model. */
export const FAULTY_GREP =
  '^(registration @ meter-1 › refuses|firmware-group @ meter-2 › (a meter|re-registers)|firmware-info @ meter-3 › the running|(nms-cert|flash-corruption) @ meter-4 › (reports|refuses|flash-backed)|clock-skew @ meter-5 › rejects|load-balancer @ meter-6 › answers a CON|demo-mode @ meter-7 › leaves|firewall @ meter-8 › registers once|firmware-group @ meter-9 › ignores|registration @ meter-10 › keeps trying|load-balancer @ meter-11 › answers a CON|registration @ meter-12 › registers|registration @ meter-13 › the troubleshooting|registration @ meter-14 › registers|registration @ meter-15 › keeps trying|registration @ meter-16 › registers)';

export interface MatrixRun {
  cases: CaseResult[];
  exitCode: number;
}

/** The matrix's assertions on a finished run (`run` is read when the tests run, after beforeAll). */
/**
 * `asFound`: the run started with every meter registered to an earlier NMS; a meter whose fresh
 * registration then fails was Up before it, so it is Down rather than never heard.
 */
export function describeFaultyMatrix(title: string, run: () => MatrixRun, opts: { asFound?: boolean } = {}): void {
  const only = (suite: string, device: string, name?: string): CaseResult => {
    const hit = run().cases.filter((c) => c.suite === suite && c.device === device && (name === undefined || c.name.startsWith(name)));
    expect(hit.length).toBeGreaterThan(0);
    return hit[0]!;
  };

  describe(title, () => {
    test('the run fails (exit 1) and nothing else was selected', () => {
      expect(run().exitCode).toBe(1);
      expect(run().cases.map((c) => `${c.suite} @ ${c.device} › ${c.name}`).sort()).toEqual([
        'clock-skew @ meter-5 › rejects NMS signatures while skewed and registers once the clock is right',
        'demo-mode @ meter-7 › leaves demo mode when told to',
        'firewall @ meter-8 › registers once the firewall opens after a reboot behind it',
        'firmware-group @ meter-2 › a meter in the wrong firmware group is diagnosed',
        'firmware-group @ meter-2 › re-registers into the expected group after GroupAssign',
        'firmware-group @ meter-9 › ignores a GroupAssign appended after the signature',
        'firmware-info @ meter-3 › the running slot holds the expected version and hardware id',
        'flash-corruption @ meter-4 › flash-backed fields read back absent',
        'load-balancer @ meter-11 › answers a CON request to the address it came from',
        'load-balancer @ meter-6 › answers a CON request to the address it came from',
        'nms-cert @ meter-4 › refuses signed requests it cannot verify',
        'nms-cert @ meter-4 › reports a damaged NMS certificate as invalid',
        'registration @ meter-1 › refuses an unsigned POST',
        'registration @ meter-10 › keeps trying while the NMS turns it away, and registers once it may',
        'registration @ meter-12 › registers, accepts the signed response and reports',
        'registration @ meter-13 › the troubleshooting flowchart finds nothing wrong',
        'registration @ meter-14 › registers, accepts the signed response and reports',
        'registration @ meter-15 › keeps trying while the NMS turns it away, and registers once it may',
        'registration @ meter-16 › registers, accepts the signed response and reports',
      ]);
      for (const c of run().cases) expect(c.status).toBe('failed');
    });

    test('registration: an unsigned POST applied', () => {
      const c = only('registration', 'meter-1');
      expect(c.message).toBe('step 3 (expect-reply: 4.03): CON POST 55 unsigned answered 2.01, expected 4.03');
      expect(c.text).toContain('likely cause: the meter applies unsigned POSTs although it requires signatures, so anyone on the mesh can reconfigure it');
    });

    test('firmware-group: GroupAssign ignored', () => {
      const c = only('firmware-group', 'meter-2', 're-registers');
      expect(c.message).toBe('step 3 (expect: tlv 58 {type: 2} id equals 243): tlv 58 {type=2} id is 317, expected equals 243');
      expect(c.text).toContain('likely cause: the meter answers a signed GroupAssign with success but keeps its old firmware group');
    });

    test('firmware-info: the running image is not the expected one', () => {
      const c = only('firmware-info', 'meter-3');
      expect(c.message).toBe('step 2 (expect: tlv 75 {isRunning: true} version equals "${expected.firmwareVersion}"): tlv 75 {isRunning=true} version is "5.6.20", expected equals "5.6.21"');
      expect(c.text).toContain('likely cause: the meter runs another firmware version than the rig expects');
    });

    test('nms-cert: the damaged certificate reported valid, and signatures accepted anyway', () => {
      expect(only('nms-cert', 'meter-4', 'reports').message).toBe('step 3 (expect: tlv 43 NMSCertValid equals false): tlv 43 NMSCertValid is true, expected equals false');
      expect(only('nms-cert', 'meter-4', 'reports').text).toContain('likely cause: the meter reports its damaged NMS certificate as valid (NMSCertValid true)');
      const refuses = only('nms-cert', 'meter-4', 'refuses');
      expect(refuses.message).toBe('step 4 (expect-reply: 4.01): CON POST 55 signed answered 2.01, expected 4.01');
      expect(refuses.text).toContain('likely cause: the meter accepted a signed POST although it holds no usable NMS certificate to verify it');
    });

    test('flash-corruption: a value reported from unreadable flash', () => {
      const c = only('flash-corruption', 'meter-4');
      expect(c.message).toBe('step 5 (expect: tlv 43 NMSCertValid absent): tlv 43 NMSCertValid is true, expected absent');
      expect(c.text).toContain('likely cause: the meter reports NMSCertValid although the certificate in its flash is unreadable');
    });

    test('clock-skew: SignatureValidity not checked', () => {
      const c = only('clock-skew', 'meter-5');
      expect(c.message).toBe('step 4 (expect-event: signatureFailure within 5m): no signatureFailure event for meter-5 within 5m');
      expect(c.text).toContain('likely cause: the meter accepted a registration response whose SignatureValidity window does not contain its clock');
      expect(c.text).toMatch(/seen: .*registrationSuccess: Mesh device 00173BFFFE000005 registered/);
    });

    test('demo-mode: demo mode off acknowledged but not stored', () => {
      const c = only('demo-mode', 'meter-7');
      expect(c.message).toBe('step 4 (expect-diagnosis: healthy): the flowchart ends in demo-mode: meter left in demo mode; contact the meter vendor — expected healthy');
      expect(c.text).toContain("likely cause: the meter acknowledged 'demo mode off' but its configuration file still has DemoModeEnable true");
      expect(c.text).toContain('console configuration DemoMode_Cfg/DemoModeEnable: true');
    });

    test('firewall: registration abandoned while the firewall dropped it', () => {
      const c = only('firewall', 'meter-8');
      expect(c.message).toBe('step 5 (expect-event: registrationSuccess within 5m): no registrationSuccess event for meter-8 within 5m');
      expect(c.text).toContain('likely cause: the meter stopped retrying registration while its requests were lost');
    });

    test('firmware-group: a GroupAssign after the signature applied', () => {
      const c = only('firmware-group', 'meter-9', 'ignores');
      expect(c.message).toBe('step 3 (expect: tlv 58 {type: 2} id equals "${expected.firmwareGroup}"): tlv 58 {type=2} id is 243, expected equals 317');
      expect(c.text).toContain('likely cause: the meter applied a GroupAssign placed after the Signature TLV, which the signature does not cover');
    });

    test('registration: no more registrations after a 4.03', () => {
      const c = only('registration', 'meter-10', 'keeps trying');
      // Counted after the meter said it got the 4.03 (CGMSNotification code 1): an /r that raced the
      // 4.03 on a loaded machine arrives before that and does not count.
      // It reads one 4.03 and stops (one notification), or a second one to an /r that raced it.
      expect(c.message).toMatch(
        /^step 4 \(expect-event: 2× registrationRejected spanning 10s after 2× csmpNotification within 5m\): (1 of 2 csmpNotification events for meter-10 within 5m: nothing to count registrationRejected after|expected 2 registrationRejected events spanning 10s after the 2nd csmpNotification for meter-10 within 5m, saw none)$/,
      );
      // Other events of the meter (down after three silent intervals) may come first in the seen line.
      expect(c.text).toMatch(/seen: (?:[^\n]*; )?\S+(?: … \S+)? registrationRejected(?: ×\d+)?: Registration from \[fd00:77::10a\]:\d+ rejected with 4\.03: unknown DeviceID 00173BFFFE00000A \(meter-10 is out of the inventory\)\./);
      expect(c.text).toContain('likely cause: the meter gave up registering after the NMS answered 4.03; it must keep retrying on its trickle timer');
    });

    test('registration: one retry after a 4.03, then nothing, is not "keeps trying"', () => {
      const c = only('registration', 'meter-15', 'keeps trying');
      // It gives up when it reads its second 4.03: nothing it sends comes after its second notification.
      expect(c.message).toBe(
        'step 4 (expect-event: 2× registrationRejected spanning 10s after 2× csmpNotification within 5m): expected 2 registrationRejected events spanning 10s after the 2nd csmpNotification for meter-15 within 5m, saw none',
      );
      expect(c.text).toContain('likely cause: the meter gave up registering after the NMS answered 4.03; it must keep retrying on its trickle timer');
    });

    test('registration: a registration storm fails with the measured rate', () => {
      const c = only('registration', 'meter-14', 'registers');
      expect(c.message).toMatch(/^step 5 \(expect-event: at most 12 registrationRequest within 1m\): (\d+) registrationRequest events for meter-14 in \S+ \((\d+)\/min\), expected at most 12$/);
      const [, n, rate] = /: (\d+) registrationRequest events for meter-14 in \S+ \((\d+)\/min\)/.exec(c.message!)!;
      expect(Number(n)).toBeGreaterThan(12);
      // A trickle of 10/20 s allows at most about 6 a minute; the model sends several times that
      // (fewer reach the NMS per minute of its clock on a starved host, never as few as a trickle).
      expect(Number(rate)).toBeGreaterThan(6);
      expect(c.text).toContain('likely cause: the meter keeps sending POST /r regardless of its trickle timer and of the 2.03 (a registration storm floods the mesh)');
    });

    test('registration: registers again and again once registered, at its trickle pace (below the storm bound)', () => {
      const c = only('registration', 'meter-16', 'registers');
      // Its trickle (10-20 s) is under the storm step's 12 a minute: the step after the registration catches it.
      expect(c.message).toMatch(/^step 6 \(expect-event: at most 1 registrationRequest after registrationSuccess within 2m\): (\d+) registrationRequest events for meter-16 after registrationSuccess in \S+ \((\d+)\/min\), expected at most 1$/);
      expect(c.text).toContain('likely cause: the meter goes on registering after its registration succeeded (it does not stop its registration timer on the 2.03)');
    });

    test('load-balancer: answers from another address than the request went to', () => {
      const c = only('load-balancer', 'meter-11', 'answers a CON');
      // On a starved machine the misaddressed answer can come after the request timed out (rig time
      // runs 60× real): the step then fails as unanswered, and the diagnosis's own GETs may have gone
      // the same way, so it says silent rather than guess a branch — failed either way.
      if (c.message === 'step 2 (get: 18): GET 18: no answer from meter-11 within 4s' || c.message === starved('meter-11')) return;
      // The ephemeral client port it answers from is the agent's choice of this boot.
      expect(c.message).toMatch(/^step 2 \(get: 18\): GET 18: meter-11 answered, but from \[fe80::217:3bff:fe00:b\]:\d+ instead of \[fd00:77::10b\]:61628 where the request went$/);
      expect(c.text).toContain('likely cause: The device answers from another address or port than the one the request was sent to');
    });

    test('registration: frames dropped, a GET goes unanswered', () => {
      const c = only('registration', 'meter-12', 'registers');
      expect(c.message).toMatch(/^step \d+ \((get|expect-counter)[^)]*\): GET \d+: no answer from meter-12 within 4s$/);
      // Which datagram the model drops depends on how many reached the meter before (a registration
      // retried under load adds one): when the dropped GET is the test's first request there is no
      // answered one to compare with, and the flowchart walked next loses one of its own GETs (every
      // third request is dropped), so it names the checks it could not make instead of "healthy".
      if (/the others were answered/.test(c.text ?? '')) {
        expect(c.text).toMatch(/seen: nothing from the device on the link; in this test 1 of \d+ requests to meter-12 went unanswered, the others were answered/);
        expect(c.text).toContain('likely cause: Requests or answers are lost between the NMS and meter-12: the device answers some requests and not others');
      } else {
        expect(c.text).toMatch(
          /^seen: nothing from the device on the link\ntroubleshooting flowchart inconclusive: The device is up, but not every check of the flowchart was answered: GET \d+ \w+: no answer to GET \d+ within \d+ ms[;.]/m,
        );
      }
    });

    test('registration: a registration that does not decode is refused by the NMS, and the diagnosis says so', () => {
      const c = only('registration', 'meter-13', 'the troubleshooting');
      expect(c.message).toBe(`step 1 (expect-state: up within 5m): meter-13 is ${opts.asFound ? 'down' : 'unheard'}, not up, after 5m — flowchart branch registration: registration does not complete`);
      expect(c.text).toMatch(/likely cause: registration: The NMS refuses the device's registration: Registration from \[fd00:77::10d\]:\d+ rejected with 4\.00: payload does not decode \(tlv: TLV 75 at byte \d+ declares \d+ value bytes, \d+ left at byte \d+\)\./);
      expect(c.text).toContain('fix: Firmware defect: the device sends a registration that does not decode as CSMP TLVs');
    });

    test('load-balancer: the answer went to the configured NMS address', () => {
      const c = only('load-balancer', 'meter-6');
      // The misdirected answer is named when it reached the link before the request timed out; on a
      // starved machine it can come after, and the step then fails as unanswered — failed either way.
      if (c.message === 'step 2 (get: 18): GET 18: no answer from meter-6 within 4s' || c.message === starved('meter-6')) return;
      expect(c.message).toBe('step 2 (get: 18): GET 18: meter-6 answered, but to [fd00::1]:61628 instead of [fd00::2]:62590 where the request came from');
      expect(c.text).toMatch(/seen: the device sent ACK 2\.05 \(MID \d+\) from \[fd00:77::106\]:61628 to \[fd00::1\]:61628/);
    });
  });
}

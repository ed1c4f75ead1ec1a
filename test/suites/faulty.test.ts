/**
 * The same suites against faulty meter models: each fails, and its message says what the
 * firmware did wrong (the suite's `otherwise`, or what was found on the wire).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { casesOf, runInProcess, SUITES, type CaseResult } from './support/run.js';
import { tempDir, writeRig } from './support/rigs.js';
import { describeFaultyMatrix, FAULTY_GREP, FAULTY_METERS } from './support/faulty-matrix.js';

const tmp = tempDir();
let cases: CaseResult[] = [];
let exitCode = -1;
let fwCases: CaseResult[] = [];
let fwExitCode = -1;

beforeAll(async () => {
  const rig = writeRig(tmp.dir, 'faulty', FAULTY_METERS);
  const r = await runInProcess({
    rigFile: rig,
    suitePaths: [SUITES],
    reportsDir: `${tmp.dir}/reports`,
    run: { grep: FAULTY_GREP },
  });
  cases = casesOf(r.junit);
  exitCode = r.exitCode;

  // The firmware fault models on a rig of their own, run after the others: their transfers and
  // reboots do not load the machine under the timing-sensitive cases above.
  const fwRig = writeRig(tmp.dir, 'faulty-firmware', [
    { faults: ['accepts-bad-hash'] },
    { faults: ['loses-upload-slot-on-power-loss'] },
    { faults: ['loads-at-wrong-time'] },
    { faults: ['no-fallback-when-image-fails'] },
    { faults: ['reports-old-version-after-load'] },
    { faults: ['accepts-wrong-hardware'] },
    { faults: ['ignores-cancel-load'] },
    { faults: ['tears-last-block-at-power-loss'] },
    { faults: ['backup-accepts-bad-hash'] },
    { faults: ['cancelled-load-runs-at-next-boot'] },
  ]);
  const fw = await runInProcess({
    rigFile: fwRig,
    suitePaths: [`${SUITES}/12-firmware-upgrade.yaml`],
    reportsDir: `${tmp.dir}/reports-fw`,
    run: {
      grep:
        '^firmware-upgrade @ (meter-[19] › an image (with a corrupted|announced)|meter-[28] › a transfer cut|meter-[35] › a scheduled load|meter-4 › an image that does not boot|meter-6 › an image for other|meter-7 › a load cancelled|meter-10 › a cancelled load)',
    },
  });
  fwCases = casesOf(fw.junit);
  fwExitCode = fw.exitCode;

}, 300_000);
afterAll(() => tmp.cleanup());

describeFaultyMatrix('each suite fails against its faulty model and says what the firmware did wrong', () => ({ cases, exitCode }));

const onlyFw = (device: string, name?: string): CaseResult => {
  const hit = fwCases.filter((c) => c.device === device && (name === undefined || c.name.startsWith(name)));
  expect(hit.length).toBeGreaterThan(0);
  return hit[0]!;
};

describe('the firmware-upgrade suite catches each firmware fault model with the test made for it', () => {
  test('each selected test fails (exit 1), and nothing else was selected', () => {
    expect(fwExitCode).toBe(1);
    expect(fwCases.map((c) => `${c.device} › ${c.name}`).sort()).toEqual([
      'meter-1 › an image announced with a wrong hash is never loadable',
      'meter-1 › an image with a corrupted block is never loadable',
      'meter-10 › a cancelled load does not start at the next power-up',
      'meter-2 › a transfer cut by a power loss resumes with only the missing blocks',
      'meter-3 › a scheduled load reboots into the new image and keeps the old one',
      'meter-4 › an image that does not boot falls back to the backup',
      'meter-5 › a scheduled load reboots into the new image and keeps the old one',
      'meter-6 › an image for other hardware is refused',
      'meter-7 › a load cancelled before its time leaves the old image running',
      'meter-8 › a transfer cut by a power loss resumes with only the missing blocks',
      'meter-9 › an image announced with a wrong hash is never loadable',
      'meter-9 › an image with a corrupted block is never loadable',
    ]);
    for (const c of fwCases) expect(c.status).toBe('failed');
  });

  test('firmware-upgrade: a corrupted block and a wrong hash both loadable (accepts-bad-hash)', () => {
    const corrupted = onlyFw('meter-1', 'an image with a corrupted');
    expect(corrupted.message).toBe('step 3 (expect-answer: SIGNATURE_FAILED): LoadRequest 6.0.4 answered OK, expected SIGNATURE_FAILED');
    expect(corrupted.text).toContain("likely cause: the meter accepts a load of an image whose SHA-256 does not match the announced hash");
    const lie = onlyFw('meter-1', 'an image announced');
    expect(lie.message).toBe('step 3 (expect-answer: SIGNATURE_FAILED): LoadRequest 6.0.5 answered OK, expected SIGNATURE_FAILED');
  });

  test('firmware-upgrade: the upload slot lost at the power cut, every block sent again (loses-upload-slot-on-power-loss)', () => {
    const c = onlyFw('meter-2');
    expect(c.message).toBe('step 5 (expect-transfer: resumed): the transfer of 6.0.3 did not resume: sent 9 of 9 blocks (0-8), 4 of them already sent before; expected only the 5 missing (4-8)');
    expect(c.text).toContain('seen: the device held 0 of 9 blocks when the transfer began; sent 9 of 9 blocks (0-8)');
    expect(c.text).toContain('likely cause: the meter lost the blocks it had written before the power loss');
  });

  test('firmware-upgrade: loaded seconds after the LoadRequest, not at the load time (loads-at-wrong-time)', () => {
    const c = onlyFw('meter-3');
    expect(c.message).toMatch(/^step 3 \(expect-load: on-time\): meter-3 rebooted (\d+ms|\d{1,2}s) after the LoadRequest for 6\.1\.0, outside 1m to 4m after the LoadRequest$/);
    expect(c.text).toContain('likely cause: the meter does not load the image at the scheduled time');
  });

  test('firmware-upgrade: the image that does not boot leaves the meter silent (no-fallback-when-image-fails)', () => {
    const c = onlyFw('meter-4');
    expect(c.message).toMatch(/^step 4 \(expect-load: on-time\): meter-4 did not register again within \d+m\d*s? of the LoadRequest for 6\.3\.0$/);
    expect(c.text).toContain('likely cause: the meter did not come back after loading an image that does not boot (no fallback to the backup image)');
  });

  test('firmware-upgrade: rebooted for the load, still reports the old image running (reports-old-version-after-load)', () => {
    const c = onlyFw('meter-5');
    expect(c.message).toMatch(
      /^step 3 \(expect-load: on-time\): meter-5 rebooted (\d+m\d*s?) after the LoadRequest \(window 1m to 4m after the LoadRequest\), but registered running 5\.6\.21, not the loaded 6\.1\.0$/,
    );
    expect(c.text).toContain('likely cause: the meter does not load the image at the scheduled time, or does not report it running after the reboot');
  });

  test('firmware-upgrade: an image for other hardware taken (accepts-wrong-hardware)', () => {
    const c = onlyFw('meter-6');
    expect(c.message).toBe('step 2 (expect-answer: INCOMPATIBLE_HW): TransferRequest 7.0.0 answered OK, expected INCOMPATIBLE_HW');
    expect(c.text).toContain("likely cause: the meter takes a TransferRequest whose hwInfo.hwId is not its own hardware's");
  });

  test('firmware-upgrade: the cancelled load fired anyway (ignores-cancel-load)', () => {
    const c = onlyFw('meter-7');
    expect(c.message).toMatch(/^step 4 \(expect-load: never\): meter-7 registered again \d+m\d*s? after the LoadRequest, running 6\.2\.0, although the load of 6\.2\.0 was cancelled$/);
    expect(c.text).toContain('likely cause: the meter acknowledged the CancelLoadRequest but loaded the image anyway');
  });

  test('firmware-upgrade: the block written last before the power cut marked but not in flash, the resumed image fails its hash (tears-last-block-at-power-loss)', () => {
    const c = onlyFw('meter-8');
    expect(c.message).toBe('step 8 (expect-answer: OK): LoadRequest 6.0.3 answered SIGNATURE_FAILED, expected OK');
    expect(c.text).toContain('likely cause: a block the meter marked received before the power loss never reached flash, so the resumed image fails the meter\'s own hash check (the bitmap must follow the block\'s bytes, not run ahead of them)');
  });

  test('firmware-upgrade: a corrupted block and a wrong hash both taken as the backup (backup-accepts-bad-hash)', () => {
    const corrupted = onlyFw('meter-9', 'an image with a corrupted');
    expect(corrupted.message).toBe('step 5 (expect-answer: SIGNATURE_FAILED): SetBackupRequest 6.0.4 answered OK, expected SIGNATURE_FAILED');
    expect(corrupted.text).toContain('likely cause: the meter takes an image whose SHA-256 does not match the announced hash as its backup, the image it falls back to when a new one does not boot');
    const lie = onlyFw('meter-9', 'an image announced');
    expect(lie.message).toBe('step 5 (expect-answer: SIGNATURE_FAILED): SetBackupRequest 6.0.5 answered OK, expected SIGNATURE_FAILED');
    expect(lie.text).toContain('likely cause: the meter takes an image whose bytes do not hash to what the TransferRequest announced as its backup');
  });

  test('firmware-upgrade: the cancelled image started at the next power-up (cancelled-load-runs-at-next-boot)', () => {
    const c = onlyFw('meter-10');
    expect(c.message).toBe(
      'step 6 (expect-slot: ${expected.firmwareVersion} running): no slot holds image 5.6.21 running: ' +
        'slot 1  5.6.21  meter-fw-5.6.21  305408 B  sha256 45c57ba97942202f…  hw RFLAN/3.60/3.80; slot 3  5.6.21  meter-fw-5.6.21  305408 B  sha256 45c57ba97942202f…  hw RFLAN/3.60/3.80  backup',
    );
    expect(c.text).toMatch(/seen: .*slot 2  6\.2\.1  .*  running/);
    expect(c.text).toContain('likely cause: the meter acknowledged the CancelLoadRequest but left the load for its boot loader, which started the cancelled image at the next power-up');
  });
});

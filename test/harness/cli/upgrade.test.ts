/**
 * `hil upgrade` through the built CLI against the default virtual rig: an image pushed to a
 * meter, loaded, and the meter's FirmwareImageInfo printed; a refusal exits 1 with the code by
 * name; what cannot run exits 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../harness/csmp/image/build.js';
import { ensureBuilt, hil } from './support/cli.js';

let dir: string;
beforeAll(async () => {
  await ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hil-upg-'));
  writeFileSync(join(dir, 'fw-6.0.1.img'), buildImage({ version: '6.0.1', hwId: 'RFLAN/3.60/3.80', size: 9000, seed: 2 }));
  writeFileSync(join(dir, 'other-hw.img'), buildImage({ version: '7.0.0', hwId: 'OTHER/1.0', size: 3000, seed: 3 }));
  writeFileSync(join(dir, 'not-an-image.bin'), new Uint8Array(300).fill(7));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('pushes, loads, waits for the meter to come back, prints its FirmwareImageInfo; exit 0', async () => {
  const r = await hil(['upgrade', 'meter-1', join(dir, 'fw-6.0.1.img'), '--load', 'now']);
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  expect(lines.slice(0, 2)).toEqual(['meter-1: transfer complete', 'meter-1: load done, running the new image']);
  expect(lines[2]).toMatch(/^ {2}slot 1 {2}5\.6\.21 {2}meter-fw-5\.6\.21 {2}305408 B {2}sha256 [0-9a-f]{16}… {2}hw RFLAN\/3\.60\/3\.80$/);
  expect(lines[3]).toMatch(/^ {2}slot 2 {2}6\.0\.1 {2}fw-6\.0\.1\.img {2}9000 B {2}sha256 [0-9a-f]{16}… {2}hw RFLAN\/3\.60\/3\.80 {2}running$/);
  expect(lines[4]).toMatch(/^ {2}slot 3 {2}5\.6\.21 .* {2}backup$/);
  expect(lines).toHaveLength(5);
  // Not a terminal: plain progress lines on stderr.
  expect(r.stderr).toContain('meter-1: TransferRequest accepted\n9000 bytes in 10 blocks of 992 B to meter-1\n');
  expect(r.stderr).toContain('round 1: meter-1 has every block\n');
  expect(r.stderr).toMatch(/meter-1: load scheduled for \S+ \(device clock\); waiting for it to reboot and register\nmeter-1: registered again, running 6\.0\.1\n/);
}, 90_000);

test('a refusal exits 1 naming the response code', async () => {
  const r = await hil(['upgrade', 'meter-2', join(dir, 'other-hw.img')]);
  expect(r.code).toBe(1);
  expect(r.stdout.split('\n')[0]).toBe("meter-2: transfer refused: 1 INCOMPATIBLE_HW (the image's hardware id is not this device's)");
}, 90_000);

test('usage and files that cannot be used exit 2 before any rig opens', async () => {
  const bad = await hil(['upgrade', 'meter-1', join(dir, 'not-an-image.bin')]);
  expect([bad.code, bad.stderr]).toEqual([2, `hil upgrade: ${join(dir, 'not-an-image.bin')} is not a firmware image: firmware-image: header version 117901063, expected 2 at byte 0\n`]);
  const several = await hil(['upgrade', 'meter-1,meter-2', join(dir, 'fw-6.0.1.img')]);
  expect([several.code, several.stderr]).toEqual([2, 'hil upgrade: <device>: several devices need --group: the blocks go once to the group\n']);
  const load = await hil(['upgrade', 'meter-1', join(dir, 'fw-6.0.1.img'), '--load', 'tomorrow']);
  expect([load.code, load.stderr]).toEqual([2, "hil upgrade: --load: 'tomorrow' is not 'now', a duration (10m) or a date-time (2026-11-24T22:00:00Z)\n"]);
  const missing = await hil(['upgrade', 'meter-1', join(dir, 'nope.img')]);
  expect([missing.code, missing.stderr]).toEqual([2, `hil upgrade: ${join(dir, 'nope.img')}: cannot read the image file (ENOENT)\n`]);
}, 60_000);

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRig, parseRig } from '../../../harness/config/rig.js';
import { expectConfigError } from '../../support/errors.js';
import { compileSchema } from '../../../harness/config/validator.js';
import { parseSignedDuration, parseVirtualSection, virtualSectionSchema } from '../../../rigs/virtual/config.js';

const RIG_FILE = new URL('../../../rigs/virtual.yaml', import.meta.url).pathname;

const base = (virtual: string) => `
nms:
  addresses: [{ name: fnd, address: 'fd00::1' }, { name: vip, address: 'fd00::2' }]
  signing: { key: k.pem, cert: c.pem }
links: [{ name: dongle0, kind: slip, path: 'virtual:dongle0' }]
devices:
  - { name: m1, eui64: '00173bfffe000001', address: 'fd00:77::101', link: dongle0, expected: { firmwareVersion: '5.6.21', hwId: 'HW', firmwareGroup: 243 }, capabilities: [] }
virtual:
${virtual}`;
const parse = (virtual: string) => parseVirtualSection(parseRig(base(virtual), 'test.yaml', { checkFiles: false }));

describe('the virtual section of a rig file', () => {
  test('rigs/virtual.yaml: four healthy meters behind dongle0, NMS fnd, signatures on', async () => {
    const v = parseVirtualSection(await loadRig(RIG_FILE));
    expect(v.timeScale).toBe(60);
    expect(v.dongle).toEqual({ link: 'dongle0', baudRate: 115200, latencyMs: 2, jitterMs: 1, lossRate: 0, maxFrame: 2048 });
    expect(v.meters.map((m) => [m.name, m.address, m.nms, m.faults.length, m.device])).toEqual([
      ['meter-1', 'fd00:77::101', 'fnd', 0, true],
      ['meter-2', 'fd00:77::102', 'fnd', 0, true],
      ['meter-3', 'fd00:77::103', 'fnd', 0, true],
      ['meter-4', 'fd00:77::104', 'fnd', 0, true],
    ]);
    const m = v.meters[0]!;
    expect(m.signatures).toEqual({ post: true, response: true });
    expect(m.initial.groups).toEqual({ firmware: 317, config: 42 });
    expect(m.initial.firmware.find((s) => s.isRunning)).toMatchObject({ version: '5.6.21', hwId: 'RFLAN/3.60/3.80' });
  });

  test('firmwareImage: the meters run that file, their running and backup slots report its SHA-256 and size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hil-fw-'));
    try {
      const image = randomBytes(777);
      writeFileSync(join(dir, 'fw.bin'), image);
      const rig = parseRig(base('  firmwareImage: fw.bin\n  meters: [{ name: m1 }]'), join(dir, 'rig.yaml'), { checkFiles: false });
      const slots = parseVirtualSection(rig).meters[0]!.initial.firmware;
      const hash = createHash('sha256').update(image).digest('hex');
      expect(slots.map((x) => [x.index, Buffer.from(x.fileHash ?? []).toString('hex'), x.fileSize, x.isRunning ?? false, x.isDefault ?? false])).toEqual([
        [1, hash, 777, true, false],
        [2, '00'.repeat(32), 0, false, false],
        [3, hash, 777, false, true],
      ]);
      const missing = parseRig(base('  firmwareImage: none.bin'), join(dir, 'rig.yaml'), { checkFiles: false });
      expect(() => parseVirtualSection(missing)).toThrow(`${join(dir, 'rig.yaml')}: virtual.firmwareImage: cannot read firmware image ${join(dir, 'none.bin')}: ENOENT`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('knobs and faults per meter; a background meter needs its own identity', () => {
    const v = parse(`  timeScale: 100
  meters:
    - name: m1
      nms: vip
      faults: [ignore-group-assign, drop-every-nth]
      faultOptions: { dropEvery: 5 }
      lossRate: 0.1
      initial: { clockSkew: '-2h', certDamaged: true, flashCorrupted: true, demoMode: true, groups: { firmware: 999 } }
    - { name: bg1, eui64: '00-17-3b-ff-fe-00-00-09', address: 'fd00:77::109' }`);
    const [m1, bg] = v.meters;
    expect(m1!.nms).toBe('vip');
    expect(m1!.faults).toEqual(['ignore-group-assign', 'drop-every-nth']);
    expect(m1!.faultOptions).toEqual({ dropEvery: 5 });
    expect(m1!.hop.lossRate).toBe(0.1);
    expect(m1!.initial).toMatchObject({ clockSkewMs: -7_200_000, certDamaged: true, flashCorrupted: true, demoMode: true, groups: { firmware: 999 } });
    expect(bg!.eui64).toBe('00173bfffe000009');
    expect(bg!.device).toBe(false);
  });

  test('without meters, every device on the dongle link is a healthy meter', () => {
    expect(parse('  seed: 3').meters.map((m) => m.name)).toEqual(['m1']);
  });

  test.each([
    ['unknown fault', '  meters: [{ name: m1, faults: [explode] }]', 'schema'],
    ['unknown key', '  colour: blue', 'schema'],
    ['background meter without eui64', '  meters: [{ name: bg }]', 'missing'],
    ['eui64 differs from the device', "  meters: [{ name: m1, eui64: '00173bfffe0000ff' }]", 'conflict'],
    ['bad skew', "  meters: [{ name: m1, initial: { clockSkew: 'soon' } }]", 'schema'],
    ['two running slots', '  meters: [{ name: m1, initial: { firmware: [{ index: 1, running: true }, { index: 2, running: true }] } }]', 'value'],
    ['no such link', '  dongle: { link: nope }', 'reference'],
  ] as const)('%s is a ConfigError %s', (_name, virtual, code) => {
    expectConfigError(() => parse(virtual), { code });
  });

  test('the schema fragment compiles under the harness validator', () => {
    expect(() => compileSchema(virtualSectionSchema())).not.toThrow();
  });

  test('signed durations', () => {
    expect(parseSignedDuration('+90s')).toBe(90_000);
    expect(parseSignedDuration('-1.5h')).toBe(-5_400_000);
    expect(parseSignedDuration(30)).toBe(30_000);
  });
});

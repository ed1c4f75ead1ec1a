import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Flash } from '../../../../rigs/virtual/board/flash.js';
import { FlashPlatform } from '../../../../rigs/virtual/board/flash-platform.js';
import { BoardClock } from '../../../../rigs/virtual/board/clock.js';
import { image, NMS_CERT_PEM } from './support/board-fixture.js';

const XSD = fileURLToPath(new URL('../../../../rigs/virtual/board/dev-cfg.xsd', import.meta.url));

describe('Flash', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-flash-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('format writes a DevCfgSchema document that reads back field for field and validates against dev-cfg.xsd', () => {
    const f = Flash.format(dir, image());
    const r = f.read();
    expect(r.config).toEqual(image().config);
    expect(r.configXml).toBe(readFileSync(join(dir, 'config.xml'), 'utf8'));
    expect(r.configXml).toContain('<DemoMode_Cfg>\n    <DemoModeEnable>false</DemoModeEnable>\n  </DemoMode_Cfg>');
    expect(r.configXml).toContain('<SSID>CRDC mesh</SSID>');
    expect(r.nmsCertValid).toBe(true);
    expect(r.nmsCert?.subject).toBe('CN=csmp-hil test NMS, O=csmp-hil test fixture');
    expect(r.nmsPublicKey?.equals(r.nmsCert!.publicKey)).toBe(true);
    expect(r.firmware).toEqual(image().firmware);
    expect(execFileSync('xmllint', ['--noout', '--schema', XSD, join(dir, 'config.xml')], { stdio: 'pipe' }).toString()).toBe('');
  });

  test('setDemoMode(true): the XML holds DemoMode_Cfg/DemoModeEnable true, other fields untouched', () => {
    const f = Flash.format(dir, image());
    f.setDemoMode(true);
    const xml = readFileSync(join(dir, 'config.xml'), 'utf8');
    expect(xml).toMatch(/<DevCfgSchema>\s*<DemoMode_Cfg>\s*<DemoModeEnable>true<\/DemoModeEnable>\s*<\/DemoMode_Cfg>/);
    expect(Flash.open(dir).read().config).toEqual({ ...image().config, demoMode: true });
  });

  test('setConfigValue takes document paths or field names and checks the type', () => {
    const f = Flash.format(dir, image());
    expect(f.setConfigValue('WPAN_Cfg/SSID', 'lab & <mesh>')).toEqual({ field: 'ssid', path: 'WPAN_Cfg/SSID', value: 'lab & <mesh>' });
    expect(f.setConfigValue('/DevCfgSchema/wpan_cfg/panid', '4660').value).toBe(4660);
    expect(f.setConfigValue('firmwareGroup', '243').value).toBe(243);
    expect(f.read().config).toEqual({ ...image().config, ssid: 'lab & <mesh>', panId: 4660, firmwareGroup: 243 });
    expect(readFileSync(join(dir, 'config.xml'), 'utf8')).toContain('<SSID>lab &amp; &lt;mesh&gt;</SSID>');
    expect(() => f.setConfigValue('WPAN_Cfg/PANID', '70000')).toThrow("WPAN_Cfg/PANID: '70000' is not an integer from 0 to 65535");
    expect(() => f.setConfigValue('NMS_Cfg/Address', '10.0.0.1')).toThrow("NMS_Cfg/Address: '10.0.0.1' is not an IPv6 address");
    expect(() => f.setConfigValue('WPAN_Cfg/SSID', 'x'.repeat(33))).toThrow('WPAN_Cfg/SSID: at most 32 bytes');
    expect(() => f.setConfigValue('WPAN_Cfg/Channel', '11')).toThrow("unknown config key 'WPAN_Cfg/Channel'");
  });

  test('corrupt erases bytes to 0xFF: every field reads back absent; restore brings the image back', () => {
    const f = Flash.format(dir, image());
    f.setDemoMode(true);
    f.corrupt();
    for (const name of ['config.xml', 'nms-cert.pem', 'nms-key.pub.pem', 'firmware.json']) {
      expect(readFileSync(join(dir, name)).includes(0xff)).toBe(true);
    }
    expect(f.read()).toEqual({ config: {} });
    expect(Flash.open(dir).read()).toEqual({ config: {} });
    // Corrupting again must not replace the healthy backup with the damaged image.
    f.corrupt();
    f.restore();
    const r = f.read();
    expect(r.config).toEqual({ ...image().config, demoMode: true });
    expect(r.nmsCertValid).toBe(true);
    expect(r.firmware).toEqual(image().firmware);
  });

  test('a config write after corruption keeps only what could be read plus the change', () => {
    const f = Flash.format(dir, image());
    f.corrupt(['config']);
    expect(f.read().config).toEqual({});
    expect(f.read().nmsCertValid).toBe(true);
    f.setDemoMode(true);
    expect(f.read().config).toEqual({ demoMode: true });
  });

  test('damageCert: the certificate no longer parses, NMSCertValid is false, SSID and the rest stay', () => {
    const f = Flash.format(dir, image());
    f.damageCert();
    const text = readFileSync(join(dir, 'nms-cert.pem'), 'utf8');
    expect(text.startsWith('-----BEGIN CERTIFICATE-----\n')).toBe(true);
    expect(text.length).toBe(NMS_CERT_PEM.length);
    const r = f.read();
    expect(r.nmsCert).toBeUndefined();
    expect(r.nmsCertValid).toBe(false);
    expect(r.config.ssid).toBe('CRDC mesh');
    expect(r.config).toEqual(image().config);
    // Idempotent: damaging twice does not repair it.
    f.damageCert();
    expect(f.read().nmsCertValid).toBe(false);
    f.installCert(NMS_CERT_PEM);
    expect(f.read().nmsCertValid).toBe(true);
  });

  test('a field whose text does not fit its type is absent on its own', () => {
    Flash.format(dir, image());
    const path = join(dir, 'config.xml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('<PANID>1234</PANID>', '<PANID>12x4</PANID>'));
    const { panId, ...rest } = image().config;
    expect(panId).toBe(1234);
    expect(Flash.open(dir).read().config).toEqual(rest);
  });

  test('a document that is not well-formed, or has another root, is unreadable as a whole', () => {
    Flash.format(dir, image());
    const path = join(dir, 'config.xml');
    const good = readFileSync(path, 'utf8');
    writeFileSync(path, good.replace('</WPAN_Cfg>', ''));
    expect(Flash.open(dir).read().config).toEqual({});
    writeFileSync(path, good.replace(/DevCfgSchema/g, 'OtherSchema'));
    expect(Flash.open(dir).read().config).toEqual({});
  });

  test('FlashPlatform gives the agent the same values, absent ones included', () => {
    const f = Flash.format(dir, image());
    const clock = new BoardClock({ host: { now: () => 0 }, base: 1_700_000_000_000 });
    const p = new FlashPlatform(f, clock);
    const s = p.settings();
    expect(Buffer.from(s.ssid!).toString()).toBe('CRDC mesh');
    expect([s.panId, s.txPower, s.demoMode, s.groups, s.nms?.valid]).toEqual([1234, 28, false, { config: 42, firmware: 317 }, true]);
    expect(s.nms?.publicKey?.type).toBe('public');
    p.saveGroups({ config: 42, firmware: 243 });
    expect(f.read().config.firmwareGroup).toBe(243);
    f.damageCert();
    expect(p.settings().nms).toEqual({ valid: false });
    f.corrupt();
    expect(p.settings()).toEqual({});
    p.setClock(1_700_000_123);
    expect(clock.now()).toBe(1_700_000_123_000);
  });
});

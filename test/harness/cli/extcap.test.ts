/**
 * The extcap as Wireshark uses it: `hil wireshark --extcap` installs into a temporary HOME, tshark
 * lists the interface, and `tshark -i csmp-hil` captures live from a pty as the virtual rig's
 * dongle is (PtyPair), the installed dissector decoding CSMP (the registration's DeviceID).
 */
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPcapFile } from '../../../drivers/pcap/reader.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { VECTORS } from '../../support/vectors.js';
import { ensureBuilt, MAIN, processesMentioning, until } from './support/cli.js';

jest.setTimeout(90_000);

const packets = readPcapFile(join(VECTORS, 'csmp_register.pcap')).records.map((r) => r.ipv6!);

describe('hil wireshark --extcap', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'hil-extcap-'));
    mkdirSync(join(home, 'tmp'));
    env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), TMPDIR: join(home, 'tmp') };
    await ensureBuilt();
  }, 180_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  test('--print says where and installs nothing; --extcap installs an executable program and the dissector', () => {
    const printed = spawnSync(process.execPath, [MAIN, 'wireshark', '--extcap', '--print'], { env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(printed.status).toBe(0);
    expect(printed.stdout).toContain(`extcap program: ${join(home, '.config', 'wireshark', 'extcap', 'csmp-hil')} (Wireshark 4.0, 4.1)\n`);
    expect(printed.stdout).toContain(`                ${join(home, '.local', 'lib', 'wireshark', 'extcap', 'csmp-hil')} (Wireshark 4.2 and later)\n`);
    expect(existsSync(join(home, '.config'))).toBe(false);

    const r = spawnSync(process.execPath, [MAIN, 'wireshark', '--extcap'], { env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(r.status).toBe(0);
    const program = join(home, '.config', 'wireshark', 'extcap', 'csmp-hil');
    expect(statSync(program).mode & 0o111).toBe(0o111);
    // Wireshark 4.2 moved the personal extcap folder; the same program is there too.
    const program42 = join(home, '.local', 'lib', 'wireshark', 'extcap', 'csmp-hil');
    expect(statSync(program42).mode & 0o111).toBe(0o111);
    expect(readFileSync(program42, 'utf8')).toBe(readFileSync(program, 'utf8'));
    expect(readFileSync(join(home, '.local', 'lib', 'wireshark', 'plugins', 'csmp.lua'), 'utf8')).toContain('DissectorTable.get("udp.port"):add(61628, coap)');
    // Installing twice adds our search path once.
    spawnSync(process.execPath, [MAIN, 'wireshark', '--extcap'], { env, timeout: 60_000, killSignal: 'SIGKILL' });
    expect(readFileSync(join(home, '.config', 'wireshark', 'protobuf_search_paths'), 'utf8')).toBe(`"${join(home, '.local', 'lib', 'wireshark', 'plugins')}","TRUE"\n`);

    // The extcap protocol, as Wireshark asks it.
    const ask = (...args: string[]): string => spawnSync(program, args, { env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' }).stdout;
    expect(ask('--extcap-interfaces', '--extcap-version=4.0')).toBe(
      'extcap {version=1.0}{help=https://github.com/csmp-hil}\ninterface {value=csmp-hil}{display=CSMP SLIP dongle or UDP port (csmp-hil, receive only)}\n',
    );
    expect(ask('--extcap-dlts', '--extcap-interface', 'csmp-hil')).toBe('dlt {number=101}{name=RAW}{display=Raw IPv6 (SLIP payload)}\n');
    expect(ask('--extcap-config', '--extcap-interface', 'csmp-hil').split('\n').map((l) => /\{call=([^}]+)\}/.exec(l)?.[1]).filter(Boolean)).toEqual(['--link', '--baud']);
    const bad = spawnSync(program, ['--capture', '--extcap-interface', 'csmp-hil', '--fifo', join(home, 'none')], { env, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('hil extcap: --link: capture needs --link (serial path, tcp://, usb:, udp:)\n');

    const listed = spawnSync('tshark', ['-D'], { env, encoding: 'utf8', timeout: 60_000 });
    expect(listed.stdout).toMatch(/^\d+\. csmp-hil \(CSMP SLIP dongle or UDP port \(csmp-hil, receive only\)\)$/m);
  });

  test('tshark -i csmp-hil captures the dongle line live and decodes CSMP with the installed dissector', async () => {
    const path = join(home, 'dongle');
    const pty = await PtyPair.open({ link: path });
    let written = 0;
    pty.on('data', (b: Buffer) => (written += b.length));
    const tshark = spawn(
      'tshark',
      ['-i', 'csmp-hil', '-o', `extcap.csmp_hil.link:${path}`, '-o', 'extcap.csmp_hil.baud:115200', '-c', '4', '-T', 'fields', '-e', 'frame.number', '-e', 'coap.code', '-e', 'csmp.tlv.type', '-e', 'protobuf.field.value.string', '-E', 'occurrence=f'],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    tshark.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    tshark.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => tshark.on('close', (code) => resolve(code)));
    const locks = join(home, 'tmp', 'csmp-hil-locks');
    try {
      // The extcap leases the port before it opens it, and opening a tty flushes what waits in it
      // (serialport's tcflush, then the line settings): the bytes go once the tty's speed reads
      // the 115200 the extcap sets (a pty starts at 38400), that is, after the flush.
      await until(() => existsSync(locks) && readdirSync(locks).length > 0, 60_000, `the extcap to lease the dongle (tshark: ${stderr})`);
      await until(() => spawnSync('stty', ['-F', pty.ttyPath, 'speed'], { encoding: 'utf8' }).stdout.trim() === '115200', 60_000, `the extcap to open the dongle (tshark: ${stderr})`);
      pty.write(Buffer.concat([...packets, ...packets].map((p) => slipEncode(p))));
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('timeout'), 30_000).unref())]);
      expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toBe(['1\t2\t2\t0A0027FFFE3B2AB2', '2\t67\t13\t2', '3\t2\t2\t0A0027FFFE3B2AB2', '4\t67\t13\t2', ''].join('\n'));
      // The extcap ends with tshark (SIGTERM, or the fifo closed): nothing is left holding the dongle.
      await until(() => processesMentioning(`--link ${path}`).filter((p) => p.includes(' extcap ')).length === 0, 20_000, 'the extcap to exit');
      expect(written).toBe(0);
    } finally {
      tshark.kill('SIGKILL');
      await pty.close();
    }
  });
});

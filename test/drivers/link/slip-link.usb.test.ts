/**
 * A dongle named by its USB serial number: found in the port listing at open, and again after it
 * re-enumerates under another path. The listing is injected (serialport's rejects on this machine:
 * no udevadm); the device itself is a real pty that goes away and comes back as another /dev/pts/N.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceError } from '../../../core/errors.js';
import { buildUdpPacket } from '../../../drivers/ip/packet.js';
import { SlipLink } from '../../../drivers/link/slip-link.js';
import type { Datagram } from '../../../drivers/link/types.js';
import type { PortBinding } from '../../../drivers/serial/byte-stream.js';
import { portLockFile } from '../../../drivers/serial/port-lock.js';
import type { ListedPort } from '../../../drivers/serial/usb-selector.js';
import { slipEncode } from '../../../drivers/slip/slip-encode.js';
import { PtyPair } from '../../../rigs/virtual/pty/pty-pair.js';
import { next } from '../support/helpers.js';

const FND = '2018::2';
const AGENT = '2018::188';
const SELECTOR = 'usb:serial=A10K3XYZ,vendor=0403';

function fromAgent(text: string): Uint8Array {
  return slipEncode(buildUdpPacket({ src: AGENT, dst: FND, srcPort: 61628, dstPort: 61628, payload: Buffer.from(text) }));
}

const dongleAt = (path: string): ListedPort => ({
  path,
  manufacturer: 'FTDI',
  serialNumber: 'A10K3XYZ',
  pnpId: 'usb-FTDI_FT232R_USB_UART_A10K3XYZ-if00-port0',
  vendorId: '0403',
  productId: '6001',
});
const otherAdapter: ListedPort = { path: '/dev/ttyUSB9', serialNumber: 'FT9ZZZ', vendorId: '0403', productId: '6001' };

describe('a SLIP link on usb:serial=…', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hil-usb-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('binds to the listed path, and after re-enumeration reconnects to the new path and says so', async () => {
    const lockDir = join(dir, 'locks');
    let listed: ListedPort[] = [otherAdapter];
    const first = await PtyPair.open();
    listed = [otherAdapter, dongleAt(first.ttyPath)];
    const link = new SlipLink({
      path: SELECTOR,
      baudRate: 115200,
      localAddresses: [FND],
      reconnect: { initialMs: 20, maxMs: 100 },
      lockDir,
      portLister: async () => listed,
    });
    const bindings: PortBinding[] = [];
    link.on('bound', (b: PortBinding) => bindings.push(b));
    let second: PtyPair | undefined;
    try {
      await link.open();
      expect(bindings).toEqual([{ port: SELECTOR, path: first.ttyPath, device: first.ttyPath, message: `${SELECTOR}: bound to ${first.ttyPath}` }]);
      // The tty it resolved to is leased too: a run naming /dev/pts/N directly would be refused.
      expect(JSON.parse(readFileSync(portLockFile(first.ttyPath, lockDir), 'utf8')).owner.pid).toBe(process.pid);

      let got = next<Datagram>(link, 'datagram');
      first.write(fromAgent('before'));
      expect(Buffer.from((await got).payload).toString()).toBe('before');

      // The dongle re-enumerates: it leaves the listing, and comes back under another pts. The new
      // pty is opened before the old one closes so the kernel cannot hand out the same number.
      second = await PtyPair.open();
      expect(second.ttyPath).not.toBe(first.ttyPath);
      listed = [otherAdapter];
      const down = next(link, 'down');
      const retry = next<{ error: Error }>(link, 'retry', 5000);
      await first.close();
      await down;
      const failed = (await retry).error;
      expect(failed).toBeInstanceOf(ResourceError);
      expect(failed.message).toBe(`${SELECTOR}: no serial port matches (present: /dev/ttyUSB9 (serial FT9ZZZ))`);

      const up = next(link, 'up', 5000);
      listed = [dongleAt(second.ttyPath), otherAdapter];
      await up;
      expect(bindings[1]).toEqual({
        port: SELECTOR,
        path: second.ttyPath,
        device: second.ttyPath,
        previous: first.ttyPath,
        message: `${SELECTOR}: came back as ${second.ttyPath}, was ${first.ttyPath}`,
      });
      expect(bindings).toHaveLength(2);
      // The lease moved with the device.
      expect(existsSync(portLockFile(first.ttyPath, lockDir))).toBe(false);
      expect(JSON.parse(readFileSync(portLockFile(second.ttyPath, lockDir), 'utf8')).owner.pid).toBe(process.pid);

      got = next<Datagram>(link, 'datagram');
      second.write(fromAgent('after'));
      expect(Buffer.from((await got).payload).toString()).toBe('after');
    } finally {
      await link.close();
      await first.close();
      await second?.close();
    }
  });

  test('a listing that fails (serialport without udevadm) is a ResourceError at open, never an unhandled rejection', async () => {
    const link = new SlipLink({
      path: 'usb:serial=A10K3XYZ',
      baudRate: 115200,
      localAddresses: [FND],
      lockDir: join(dir, 'locks-2'),
      portLister: () => Promise.reject(new Error('Command failed: udevadm info -e: spawn udevadm ENOENT')),
    });
    const e = await link.open().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ResourceError);
    expect((e as ResourceError).message).toBe('usb:serial=A10K3XYZ: cannot list serial ports: Command failed: udevadm info -e: spawn udevadm ENOENT');
    expect(existsSync(portLockFile('usb:serial=A10K3XYZ', join(dir, 'locks-2')))).toBe(false);
  });

  test("with serialport's own listing the outcome is a typed error too (whatever this host's udev offers)", async () => {
    const link = new SlipLink({ path: 'usb:serial=NO-SUCH-DONGLE', baudRate: 115200, localAddresses: [FND], lockDir: join(dir, 'locks-3') });
    const e = await link.open().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ResourceError);
    expect((e as ResourceError).resource).toBe('usb:serial=NO-SUCH-DONGLE');
    expect((e as ResourceError).message).toMatch(/^usb:serial=NO-SUCH-DONGLE: (cannot list serial ports: .+|no serial port matches \(present: .*\))$/);
  });

  test('two interfaces of one adapter are ambiguous until interface= picks one', async () => {
    const quad = [0, 1].map((i) => ({ ...dongleAt(`/dev/ttyUSB${i}`), pnpId: `usb-FTDI_Quad_RS232-HS_A10K3XYZ-if0${i}-port0` }));
    const ambiguous = new SlipLink({ path: 'usb:serial=A10K3XYZ', baudRate: 115200, localAddresses: [FND], lockDir: join(dir, 'l4'), portLister: async () => quad });
    await expect(ambiguous.open()).rejects.toThrow('usb:serial=A10K3XYZ: 2 ports match (/dev/ttyUSB0, /dev/ttyUSB1): add interface=N to choose one');
    // interface=1 picks ttyUSB1, which does not exist here: the open itself fails, naming the path it tried.
    const picked = new SlipLink({ path: 'usb:serial=A10K3XYZ,interface=1', baudRate: 115200, localAddresses: [FND], lockDir: join(dir, 'l4'), portLister: async () => quad });
    await expect(picked.open()).rejects.toThrow(/^usb:serial=A10K3XYZ,interface=1: cannot open: .*\/dev\/ttyUSB1/);
  });
});

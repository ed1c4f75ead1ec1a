import fc from 'fast-check';
import { ResourceError } from '../../../core/errors.js';
import { interfaceOf, matches, parseUsbSelector, resolveUsbPath, type ListedPort } from '../../../drivers/serial/usb-selector.js';

const ftdi = (path: string, serialNumber: string, pnpId?: string): ListedPort => ({ path, serialNumber, vendorId: '0403', productId: '6001', ...(pnpId ? { pnpId } : {}) });

describe('usb: selectors', () => {
  test('parse: serial alone, and every key with normalised hex', () => {
    expect(parseUsbSelector('usb:serial=A10K3XYZ')).toEqual({ serial: 'A10K3XYZ', text: 'usb:serial=A10K3XYZ' });
    expect(parseUsbSelector('usb:serial=A10K3XYZ, vendor=0x0403,product=6001,interface=2')).toEqual({
      serial: 'A10K3XYZ',
      vendor: '0403',
      product: '6001',
      interface: 2,
      text: 'usb:serial=A10K3XYZ, vendor=0x0403,product=6001,interface=2',
    });
  });

  test.each([
    ['usb:', `"path" "usb:": '' is not key=value (keys: serial, vendor, product, interface)`],
    ['usb:vendor=0403', '"path" "usb:vendor=0403": needs serial=<USB serial number>'],
    ['usb:serial=A,serial=B', `"path" "usb:serial=A,serial=B": 'serial' is given twice`],
    ['usb:serial=A,port=2', `"path" "usb:serial=A,port=2": unknown key 'port' (keys: serial, vendor, product, interface)`],
    ['usb:serial=A,interface=x', `"path" "usb:serial=A,interface=x": interface 'x' is not a number`],
    ['usb:serial=A,product=60011', `"path" "usb:serial=A,product=60011": product '60011' is not 4 hex digits`],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseUsbSelector(text)).toThrow(new TypeError(message));
  });

  test('property: any text after usb: parses or is a TypeError; generated selectors round-trip', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (body) => {
        try {
          const sel = parseUsbSelector(`usb:${body}`);
          expect(sel.serial.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(TypeError);
        }
      }),
      { numRuns: 2000 },
    );
    const serial = fc.stringMatching(/^[A-Za-z0-9_-]{1,16}$/);
    const hex4 = fc.stringMatching(/^[0-9a-f]{4}$/);
    fc.assert(
      fc.property(serial, fc.option(hex4, { nil: undefined }), fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }), (s, v, i) => {
        const text = `usb:serial=${s}${v ? `,vendor=${v}` : ''}${i !== undefined ? `,interface=${i}` : ''}`;
        expect(parseUsbSelector(text)).toEqual({ serial: s, text, ...(v ? { vendor: v } : {}), ...(i !== undefined ? { interface: i } : {}) });
      }),
    );
  });

  test('matching: serial exactly, ids case-insensitively, the interface from a Linux by-id pnpId', () => {
    const port = ftdi('/dev/ttyUSB3', 'A10K3XYZ', 'usb-FTDI_Quad_RS232-HS_A10K3XYZ-if03-port0');
    expect(interfaceOf(port)).toBe(3);
    expect(interfaceOf(ftdi('/dev/ttyUSB0', 'X'))).toBeUndefined();
    expect(matches(parseUsbSelector('usb:serial=A10K3XYZ,vendor=0403,product=6001,interface=3'), port)).toBe(true);
    expect(matches(parseUsbSelector('usb:serial=a10k3xyz'), port)).toBe(false);
    expect(matches(parseUsbSelector('usb:serial=A10K3XYZ,product=6010'), port)).toBe(false);
    expect(matches(parseUsbSelector('usb:serial=A10K3XYZ,interface=0'), port)).toBe(false);
    expect(matches(parseUsbSelector('usb:serial=A10K3XYZ,vendor=0403'), { ...port, vendorId: '403' })).toBe(true);
  });

  test('resolution names what it found when nothing or too much matches', async () => {
    const sel = parseUsbSelector('usb:serial=A10K3XYZ');
    await expect(resolveUsbPath(sel, async () => [ftdi('/dev/ttyUSB0', 'A10K3XYZ'), { path: '/dev/ttyS0' }])).resolves.toBe('/dev/ttyUSB0');
    await expect(resolveUsbPath(sel, async () => [{ path: '/dev/ttyS0' }])).rejects.toThrow(
      new ResourceError('usb:serial=A10K3XYZ', 'missing', 'no serial port matches (present: no USB serial ports)'),
    );
  });
});

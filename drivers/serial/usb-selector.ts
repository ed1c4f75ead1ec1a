/**
 * A serial device named by what it is rather than where the kernel put it this time:
 * `usb:serial=A10K3XYZ[,vendor=0403][,product=6001][,interface=0]`. A USB dongle that
 * re-enumerates (a hub reset, a firmware reboot) comes back as /dev/ttyUSB3 instead of ttyUSB0;
 * its serial number does not change. The path is looked up in serialport's port listing at every
 * open and every reconnect.
 *
 * The interface number tells apart the ports of a multi-port adapter (an FT4232 has four ports
 * with one serial number). serialport's listing has no field for it; on Linux its `pnpId` is the
 * /dev/serial/by-id name, which ends in `-ifNN-portM`, and that is where it is read from.
 */
import { ResourceError } from '../../core/errors.js';

export const USB_SCHEME = 'usb:';

export interface UsbSelector {
  serial: string;
  /** Four lower-case hex digits. */
  vendor?: string;
  product?: string;
  interface?: number;
  /** The selector as configured, for messages and lock keys. */
  text: string;
}

/** What serialport's `SerialPort.list()` gives per port (its PortInfo). */
export interface ListedPort {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  pnpId?: string | undefined;
  locationId?: string | undefined;
  productId?: string | undefined;
  vendorId?: string | undefined;
}

/** Lists the serial ports present now; `SerialPort.list` by default, injectable for tests and exotic hosts. */
export type PortLister = () => Promise<ListedPort[]>;

const KEYS = ['serial', 'vendor', 'product', 'interface'] as const;

export function isUsbSelector(path: string): boolean {
  return path.toLowerCase().startsWith(USB_SCHEME);
}

/** Parses the `usb:` form; a TypeError names the part that is wrong (checked before any I/O). */
export function parseUsbSelector(text: string): UsbSelector {
  if (!isUsbSelector(text)) throw new TypeError(`"path" ${JSON.stringify(text)} does not start with usb:`);
  const body = text.slice(USB_SCHEME.length);
  const sel: Partial<UsbSelector> = { text };
  for (const part of body.split(',')) {
    const m = /^([a-z]+)=(.+)$/.exec(part.trim());
    if (!m) throw new TypeError(`"path" ${JSON.stringify(text)}: '${part}' is not key=value (keys: ${KEYS.join(', ')})`);
    const [, key, value] = m as unknown as [string, string, string];
    if (!(KEYS as readonly string[]).includes(key)) throw new TypeError(`"path" ${JSON.stringify(text)}: unknown key '${key}' (keys: ${KEYS.join(', ')})`);
    if (sel[key as keyof UsbSelector] !== undefined) throw new TypeError(`"path" ${JSON.stringify(text)}: '${key}' is given twice`);
    if (key === 'serial') sel.serial = value;
    else if (key === 'interface') {
      if (!/^[0-9]{1,3}$/.test(value)) throw new TypeError(`"path" ${JSON.stringify(text)}: interface '${value}' is not a number`);
      sel.interface = Number(value);
    } else {
      const hex = value.toLowerCase().replace(/^0x/, '');
      if (!/^[0-9a-f]{4}$/.test(hex)) throw new TypeError(`"path" ${JSON.stringify(text)}: ${key} '${value}' is not 4 hex digits`);
      sel[key as 'vendor' | 'product'] = hex;
    }
  }
  if (sel.serial === undefined) throw new TypeError(`"path" ${JSON.stringify(text)}: needs serial=<USB serial number>`);
  return sel as UsbSelector;
}

/** The USB interface number of a listed port, when its pnpId tells it (Linux by-id names). */
export function interfaceOf(p: ListedPort): number | undefined {
  const m = /-if([0-9a-f]{2})(?:-|$)/i.exec(p.pnpId ?? '');
  return m ? parseInt(m[1]!, 16) : undefined;
}

export function matches(sel: UsbSelector, p: ListedPort): boolean {
  if (p.serialNumber !== sel.serial) return false;
  const hex = (v: string | undefined) => v?.toLowerCase().replace(/^0x/, '').padStart(4, '0');
  if (sel.vendor !== undefined && hex(p.vendorId) !== sel.vendor) return false;
  if (sel.product !== undefined && hex(p.productId) !== sel.product) return false;
  if (sel.interface !== undefined && interfaceOf(p) !== sel.interface) return false;
  return true;
}

/**
 * The path of the one port `sel` names now. A ResourceError (resource: the selector) when the
 * listing fails (serialport rejects where udevadm is missing), when nothing matches (unplugged,
 * still enumerating) or when several do (say which interface).
 */
export async function resolveUsbPath(sel: UsbSelector, list: PortLister): Promise<string> {
  let ports: ListedPort[];
  try {
    ports = await list();
  } catch (e) {
    throw new ResourceError(sel.text, 'unavailable', `cannot list serial ports: ${(e as Error).message}`, { cause: e });
  }
  const found = ports.filter((p) => matches(sel, p));
  if (found.length === 0) {
    const usb = ports.filter((p) => p.serialNumber !== undefined).map((p) => `${p.path} (serial ${p.serialNumber})`);
    throw new ResourceError(sel.text, 'missing', `no serial port matches (present: ${usb.length ? usb.join(', ') : 'no USB serial ports'})`);
  }
  if (found.length > 1) {
    throw new ResourceError(sel.text, 'unavailable', `${found.length} ports match (${found.map((p) => p.path).join(', ')}): add interface=N to choose one`);
  }
  return found[0]!.path;
}

/**
 * The Wireshark extcap program (https://www.wireshark.org/docs/wsdg_html_chunked/ChCaptureExtcap.html):
 * Wireshark and tshark run it to list an interface, ask its link type and options, and capture —
 * a pcap stream written to the fifo they name. Capturing is `hil monitor`'s receive-only tap
 * (monitorTarget/openTap), so the extcap can never transmit on the dongle it watches either.
 */
import { createWriteStream } from 'node:fs';
import { ConfigError } from '../../core/errors.js';
import { encodeGlobalHeader, encodeRecord, LINKTYPE } from '../../core/pcap-format.js';
import type { Tap } from '../../drivers/link/tap.js';
import { compileCaptureFilter } from './capture-filter.js';
import { monitorTarget, openTap } from './monitor.js';

export const EXTCAP_INTERFACE = 'csmp-hil';
export const EXTCAP_VERSION = '1.0';

/** The arguments as Wireshark passes them: `--name value` or `--name=value`, flags alone. */
export interface ExtcapArgs {
  /** 'validate': Wireshark checking a capture filter (--extcap-capture-filter without --capture). */
  mode: 'interfaces' | 'dlts' | 'config' | 'capture' | 'version' | 'validate' | 'none';
  iface?: string;
  fifo?: string;
  link?: string;
  baud: number;
  /** Wireshark's capture filter, as given (compileCaptureFilter reads it). */
  captureFilter?: string;
  /** Say the link's ups and downs and the counters on stderr. */
  debug?: boolean;
}

const FLAGS: Record<string, ExtcapArgs['mode']> = {
  '--extcap-interfaces': 'interfaces',
  '--extcap-dlts': 'dlts',
  '--extcap-config': 'config',
  '--capture': 'capture',
};
/** Options that carry a value this program has no use for (tolerated, not refused). */
const IGNORED_VALUE = new Set(['--extcap-control-in', '--extcap-control-out', '--debug-file', '--extcap-reload-option']);

export function parseExtcapArgs(argv: readonly string[]): ExtcapArgs {
  const out: ExtcapArgs = { mode: 'none', baud: 115200 };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new ConfigError(name, 'value', 'needs a value');
      return v;
    };
    if (FLAGS[name]) out.mode = FLAGS[name]!;
    else if (name === '--extcap-version') {
      // Wireshark 3.0+ passes its own version (--extcap-version=4.0.x) with --extcap-interfaces.
      if (out.mode === 'none') out.mode = 'version';
      if (inline === undefined && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
    } else if (name === '--extcap-interface') out.iface = value();
    else if (name === '--fifo') out.fifo = value();
    else if (name === '--link') out.link = value();
    else if (name === '--baud') {
      const v = value();
      out.baud = Number(v);
      if (!Number.isInteger(out.baud) || out.baud <= 0) throw new ConfigError('--baud', 'value', `'${v}' is not a baud rate`);
    } else if (name === '--extcap-capture-filter') out.captureFilter = value();
    else if (IGNORED_VALUE.has(name)) value();
    else if (name === '--debug') out.debug = true;
    else throw new ConfigError(name, 'value', 'is not an extcap option');
  }
  if (out.mode === 'none' && out.captureFilter !== undefined) out.mode = 'validate';
  return out;
}

export function extcapInterfaces(): string {
  return [
    `extcap {version=${EXTCAP_VERSION}}{help=https://github.com/csmp-hil}`,
    `interface {value=${EXTCAP_INTERFACE}}{display=CSMP SLIP dongle or UDP port (csmp-hil, receive only)}`,
    '',
  ].join('\n');
}

export function extcapDlts(): string {
  // Raw IP: the SLIP frames are bare IPv6 packets, which Wireshark dissects down to CoAP and CSMP.
  return `dlt {number=${LINKTYPE.RAW}}{name=RAW}{display=Raw IPv6 (SLIP payload)}\n`;
}

export function extcapConfig(): string {
  return [
    'arg {number=0}{call=--link}{display=Link}{type=string}{required=true}' +
      '{tooltip=serial path (/dev/ttyUSB0), tcp://host:port (ser2net), usb:serial=…, or udp:[address]:port}',
    'arg {number=1}{call=--baud}{display=Baud rate}{type=integer}{range=300,4000000}{default=115200}{tooltip=serial baud rate}',
    '',
  ].join('\n');
}

/**
 * Wireshark's check of a capture filter as it is typed: nothing on stdout when it is applied
 * exactly, else one line saying why (Wireshark shows it and refuses to start).
 */
export function validateCaptureFilter(text: string): string {
  try {
    compileCaptureFilter(text);
    return '';
  } catch (e) {
    if (e instanceof ConfigError) return `${e.reason}\n`;
    throw e;
  }
}

export interface ExtcapCaptureOptions {
  link: string;
  /** Wireshark's capture filter; ConfigError before anything opens when it is not supported. */
  captureFilter?: string;
  baud: number;
  fifo: string;
  /** Stops the capture (SIGTERM from Wireshark). */
  signal: AbortSignal;
  /** Lost/regained link and the like, for stderr (Wireshark shows it on failure). */
  log(line: string): void;
}

/**
 * Writes the pcap header, then one record per frame, each its own write so Wireshark shows the
 * frame as it arrives. Ends when the signal fires or the reader closes the fifo (EPIPE).
 */
export async function runExtcapCapture(opts: ExtcapCaptureOptions): Promise<Tap> {
  const wanted = opts.captureFilter === undefined ? undefined : compileCaptureFilter(opts.captureFilter);
  const tap = openTap(monitorTarget(opts.link, opts.baud));
  await tap.open();
  const out = createWriteStream(opts.fifo);
  const closed = new Promise<void>((resolve) => {
    out.on('error', () => resolve());
    out.on('close', () => resolve());
  });
  out.write(encodeGlobalHeader(LINKTYPE.RAW));
  tap.on('frame', (f: { ipv6: Uint8Array; at: number }) => {
    if (!out.destroyed && (wanted === undefined || wanted(f.ipv6))) out.write(encodeRecord(f.ipv6, f.at));
  });
  tap.on('down', (e: Error) => opts.log(`${tap.name}: down (${e.message}); reconnecting`));
  tap.on('up', () => opts.log(`${tap.name}: up`));
  await Promise.race([closed, new Promise<void>((resolve) => (opts.signal.aborted ? resolve() : opts.signal.addEventListener('abort', () => resolve(), { once: true })))]);
  await tap.close();
  if (!out.destroyed) await new Promise<void>((resolve) => out.end(() => resolve()));
  return tap;
}

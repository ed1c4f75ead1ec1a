/**
 * `hil monitor`: everything on a link, decoded as it arrives. Which link (a rig's link by name, a
 * serial path, tcp:// to ser2net, usb: selector, or a UDP port) is decided here; the listening is a
 * tap's (drivers/link/tap.ts), which has no way to transmit. Each packet is decoded and printed as
 * `hil decode` prints it, and every packet (CSMP or not) goes to the rotating capture.
 */
import { ConfigError, ResourceError } from '../../core/errors.js';
import type { LeaseStore } from '../../core/lease.js';
import { SlipTap } from '../../drivers/link/slip-tap.js';
import type { Tap, TapFrame } from '../../drivers/link/tap.js';
import type { RotatingPcapWriter } from '../../drivers/pcap/rotating-writer.js';
import { UdpTap } from '../../drivers/udp/udp-tap.js';
import type { Rig } from '../config/rig.js';
import { decodeIpv6Message } from '../decode/message.js';
import { renderJson, renderText } from '../decode/render.js';

export type MonitorTarget =
  | { kind: 'slip'; name: string; path: string; baudRate: number }
  | { kind: 'udp'; name: string; address: string; port: number };

/**
 * LINK as given on the command line: with a rig, the name of one of its links; without, a serial
 * path (/dev/ttyUSB0, tcp://host:port, usb:serial=…) or udp:[address]:port.
 */
export function monitorTarget(link: string, baudRate: number, rig?: Rig): MonitorTarget {
  if (rig) {
    const spec = rig.links.find((l) => l.name === link);
    if (!spec) throw new ConfigError(rig.file, 'reference', `no link '${link}' (links: ${rig.links.map((l) => l.name).join(', ')})`);
    if (spec.kind === 'udp') return { kind: 'udp', name: spec.name, ...udpBind(spec.bind, `link '${spec.name}'`) };
    if (spec.path.startsWith('virtual:')) {
      throw new ConfigError(rig.file, 'value', `link '${spec.name}' is the virtual rig's dongle: start it with \`hil sim\` and monitor the dongle path it prints`);
    }
    return { kind: 'slip', name: spec.name, path: spec.path, baudRate: spec.baudRate };
  }
  if (link.startsWith('udp:')) return { kind: 'udp', name: link, ...udpBind(link.slice(4), 'LINK') };
  return { kind: 'slip', name: link, path: link, baudRate };
}

/** '[address]:port', 'address' (port 61628) or ':port' / 'port' (all addresses). */
function udpBind(text: string, where: string): { address: string; port: number } {
  const m = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(text) ?? /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/.exec(text) ?? /^:?()([0-9]{1,5})$/.exec(text);
  const port = m?.[2] !== undefined ? Number(m[2]) : 61628;
  if (!m || port < 1 || port > 65535) throw new ConfigError(where, 'value', `'${text}' is not udp:[address]:port, udp:address or udp:port`);
  return { address: m[1] || '::', port };
}

export interface TapOptions {
  /** Where the serial port is leased (a rig's `locks`); default lock files in `lockDir`. */
  leases?: LeaseStore;
  lockDir?: string;
}

export function openTap(t: MonitorTarget, opts: TapOptions = {}): Tap {
  if (t.kind === 'udp') return new UdpTap(t.address, t.port);
  return new SlipTap({ path: t.path, baudRate: t.baudRate, ...(opts.leases ? { leases: opts.leases } : {}), ...(opts.lockDir ? { lockDir: opts.lockDir } : {}) });
}

export interface MonitorOutput {
  json?: boolean;
  /** UDP ports that carry CSMP (either side); other packets are captured but not printed. */
  ports: ReadonlySet<number>;
  /** Print every UDP packet as CoAP, whatever its ports. */
  all?: boolean;
  line(text: string): void;
  pcap?: RotatingPcapWriter;
  /** The capture stopped taking writes (disk full): said once; printing goes on. */
  onPcapError?: (e: ResourceError) => void;
}

/** Decodes and prints each frame of `tap`; returns the listener to remove. */
export function printFrames(tap: Tap, out: MonitorOutput): () => void {
  let n = 0;
  let pcap = out.pcap;
  const onFrame = (f: TapFrame): void => {
    n++;
    if (pcap) {
      try {
        pcap.write(f.ipv6, f.at);
      } catch (e) {
        if (!(e instanceof ResourceError)) throw e;
        pcap = undefined;
        out.onPcapError?.(e);
      }
    }
    const m = decodeIpv6Message(f.ipv6, { trailing: 'ignore' });
    if (!out.all && m.srcPort !== undefined && !out.ports.has(m.srcPort) && !out.ports.has(m.dstPort!)) return;
    const ctx = { frame: n, time: f.at };
    out.line(out.json ? JSON.stringify(renderJson(m, ctx)) : renderText(m, ctx));
  };
  tap.on('frame', onFrame);
  return () => tap.off('frame', onFrame);
}

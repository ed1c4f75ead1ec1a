/**
 * Per-test evidence: a pcap of every frame to or from the device on its link while the test ran
 * (both directions, as crossed the wire, before any firewall), and the device's console log for
 * the same span. Both are written atomically when the test ends and attached to its result, so
 * JUnit lists them and an interrupted test still gets them.
 *
 *   <reports>/attachments/<suite>/<device>/<test>.pcap
 *   <reports>/attachments/<suite>/<device>/<test>.console.log
 */
import { join } from 'node:path';
import type { Link, LinkFrame } from '../../drivers/link/types.js';
import { encodePcap } from '../../drivers/pcap/format.js';
import { canonicalIpv6, formatIpv6 } from '../../drivers/ip/address.js';
import type { DeviceSpec } from '../config/rig.js';
import type { HookContext } from '../runner/executor.js';
import type { SessionHooks } from '../steps/session.js';
import { writeFileAtomic } from '../../core/atomic-write.js';

/** What a console offers for logs: its transcript since a wall-clock time, as text. */
export interface ConsoleLog {
  textSince(sinceMs: number): string;
}

interface Running {
  startedAt: number;
  frames: LinkFrame[];
  detach: () => void;
}

/** A file name part from free text: letters, digits, '.', '_', '-'. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'test';
}

export class TestCaptures implements SessionHooks {
  private readonly running = new Map<string, Running>();
  private readonly attempts = new Map<string, number>();

  constructor(
    private readonly dir: string,
    private readonly links: ReadonlyMap<string, Link>,
    private readonly consoles: ReadonlyMap<string, ConsoleLog>,
    /** Frames kept per test; beyond it the oldest go (a run is not a packet recorder). */
    private readonly maxFrames = 20_000,
  ) {}

  testStart(device: DeviceSpec, _ctx: HookContext): void {
    this.stopCapture(device.name);
    const link = this.links.get(device.link);
    const frames: LinkFrame[] = [];
    const address = canonicalIpv6(device.address);
    const onFrame = (f: LinkFrame): void => {
      if (!involves(f.ipv6, address)) return;
      frames.push(f);
      if (frames.length > this.maxFrames) frames.shift();
    };
    link?.on('frame', onFrame);
    this.running.set(device.name, { startedAt: Date.now(), frames, detach: () => link?.off('frame', onFrame) });
  }

  testEnd(device: DeviceSpec, ctx: HookContext): void {
    const run = this.running.get(device.name);
    if (!run) return;
    this.stopCapture(device.name);
    const tc = ctx.testCase;
    const n = (this.attempts.get(tc.id) ?? 0) + 1;
    this.attempts.set(tc.id, n);
    const base = join(this.dir, slug(tc.suite.name), slug(device.name), `${slug(tc.name)}${n > 1 ? `.retry${n - 1}` : ''}`);
    const pcap = `${base}.pcap`;
    writeFileAtomic(pcap, encodePcap(run.frames));
    ctx.attach({ name: `${device.name}.pcap`, path: pcap, contentType: 'application/vnd.tcpdump.pcap' });
    const con = this.consoles.get(device.name);
    if (con) {
      const log = `${base}.console.log`;
      writeFileAtomic(log, con.textSince(run.startedAt));
      ctx.attach({ name: `${device.name}.console.log`, path: log, contentType: 'text/plain' });
    }
    ctx.log(`captured ${run.frames.length} frames${con ? ' and the console log' : ''}`);
  }

  /** Detaches from every link (run end). */
  close(): Promise<void> {
    for (const name of [...this.running.keys()]) this.stopCapture(name);
    return Promise.resolve();
  }

  private stopCapture(device: string): void {
    this.running.get(device)?.detach();
    this.running.delete(device);
  }
}

/** Whether an IPv6 packet has `address` as source or destination (unparseable frames are kept). */
function involves(packet: Uint8Array, address: string): boolean {
  if (packet.length < 40 || packet[0]! >> 4 !== 6) return true;
  return formatIpv6(packet, 8) === address || formatIpv6(packet, 24) === address;
}

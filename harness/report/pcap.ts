import { fromHex } from '../../core/bytes.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { encodePcap } from '../../core/pcap-format.js';
import type { FrameEvent } from '../model/observations.js';
import type { Reporter } from '../model/reporter.js';
import type { TestCase, TestResult } from '../model/run-model.js';
import { attachmentBase } from './attachment-paths.js';

export interface PcapOptions {
  /** The attachments folder: files go to <dir>/<suite>/<device>/<test>.pcap (attachment-paths.ts). */
  dir: string;
  /** Frames kept per attempt; beyond it the oldest go (a run is not a packet recorder). */
  maxFrames?: number;
}

/**
 * A pcap per test attempt (LINKTYPE_RAW IPv6, readable by Wireshark and tshark) of every frame the
 * bench attributed to it: both directions, as they crossed the wire, before any firewall. Written
 * atomically when the attempt ends, interrupted ones included; the session names the file in the
 * result's attachments.
 */
export class PcapReporter implements Reporter {
  readonly name = 'pcap';
  private readonly frames = new Map<string, FrameEvent[]>();
  private readonly maxFrames: number;

  constructor(private readonly options: PcapOptions) {
    this.maxFrames = options.maxFrames ?? 20_000;
  }

  onTestBegin(test: TestCase, attempt: { retry: number }): void {
    this.frames.set(key(test.id, attempt.retry), []);
  }

  onFrame(frame: FrameEvent): void {
    if (frame.testId === undefined) return;
    const list = this.frames.get(key(frame.testId, frame.retry ?? 0));
    if (!list) return;
    list.push(frame);
    if (list.length > this.maxFrames) list.shift();
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    const k = key(test.id, result.retry);
    const list = this.frames.get(k);
    if (!list) return;
    this.frames.delete(k);
    const packets = list.map((f) => ({ ipv6: fromHex(f.hex) ?? new Uint8Array(0), at: f.at }));
    writeFileAtomic(`${attachmentBase(this.options.dir, test, result.retry)}.pcap`, encodePcap(packets));
  }
}

const key = (testId: string, retry: number): string => `${testId}#${retry}`;

/**
 * Per-test evidence beside the report events: the device's console log for the span of each
 * attempt (written atomically when it ends, its lines also handed to the reporters), and the
 * attempt's pcap named in its attachments (the pcap reporter writes it from the frame events).
 * Both are attached to the result, so JUnit and HTML list them and an interrupted test still gets
 * them.
 * A console log that cannot be written (disk full, read-only) is told to `onWriteFailure` and
 * left out of the attachments; the test goes on.
 *
 *   <reports>/attachments/<suite>/<device>/<test>-<id>.pcap          (report/attachment-paths.ts)
 *   <reports>/attachments/<suite>/<device>/<test>-<id>.console.log
 */
import type { TranscriptLine } from '../../drivers/console/transcript.js';
import type { DeviceSpec } from '../config/rig.js';
import { attachmentBase, CONSOLE_LOG_TYPE, PCAP_TYPE } from '../report/attachment-paths.js';
import type { HookContext } from '../runner/executor.js';
import type { SessionHooks } from '../steps/session.js';
import { writeFileAtomic } from '../../core/atomic-write.js';
import type { RunObserver } from './run-observer.js';

export { slug } from '../report/attachment-paths.js';

/** What a console offers for logs: its transcript since a wall-clock time, as text and as lines. */
export interface ConsoleLog {
  textSince(sinceMs: number): string;
  linesSince(sinceMs: number): TranscriptLine[];
}

export class TestCaptures implements SessionHooks {
  private readonly started = new Map<string, number>();
  private readonly attempts = new Map<string, number>();
  /** Which test holds each file base this run: a second test meeting it gets a longer id. */
  private readonly bases = new Map<string, string>();

  constructor(
    private readonly dir: string,
    private readonly consoles: ReadonlyMap<string, ConsoleLog>,
    private readonly observer?: RunObserver,
    private readonly onWriteFailure: (path: string, error: unknown) => void = () => {},
  ) {}

  testStart(device: DeviceSpec, _ctx: HookContext): void {
    this.started.set(device.name, Date.now());
  }

  testEnd(device: DeviceSpec, ctx: HookContext): void {
    const since = this.started.get(device.name);
    if (since === undefined) return;
    this.started.delete(device.name);
    const tc = ctx.testCase;
    const retry = this.attempts.get(tc.id) ?? 0;
    this.attempts.set(tc.id, retry + 1);
    const base = attachmentBase(this.dir, tc, retry);
    ctx.attach({ name: `${device.name}.pcap`, path: `${base}.pcap`, contentType: PCAP_TYPE });
    const con = this.consoles.get(device.name);
    if (con) {
      const log = `${base}.console.log`;
      if (this.save(log, con.textSince(since), ctx)) ctx.attach({ name: `${device.name}.console.log`, path: log, contentType: CONSOLE_LOG_TYPE });
      this.observer?.consoleLines(device.name, con.linesSince(since));
    }
    const frames = this.observer?.framesOf(device.name);
    ctx.log(`captured ${frames !== undefined ? `${frames} frames` : 'the frames'}${con ? ' and the console log' : ''}`);
  }

  private save(path: string, data: string | Uint8Array, ctx: HookContext): boolean {
    try {
      writeFileAtomic(path, data);
      return true;
    } catch (e) {
      ctx.log(`not saved: ${(e as Error).message}`);
      this.onWriteFailure(path, e);
      return false;
    }
  }

  close(): Promise<void> {
    this.started.clear();
    return Promise.resolve();
  }
}

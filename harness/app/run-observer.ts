/**
 * Joins the bench's observations to the run: each frame, power action and NMS change is handed to
 * the reporters with the test that was running on its device at the time (its id and attempt).
 * The observer learns what runs where by listening to the run like a reporter.
 *
 * A frame no rig device can be named for (damaged, or from an address the rig does not know: a
 * device answering from its link-local address) belongs to every test running on its link, as a
 * capture on that link would show it; with none running it goes out unattributed.
 *
 * Notes (a port bound, a lease taken over) are handed over from the first test event on: the
 * observer hears onBegin before the reporters do, and the bench's notes from its opening are waiting.
 */
import type { TranscriptLine } from '../../drivers/console/transcript.js';
import type { Attribution, FrameEvent, NmsChangeEvent, PowerEvent } from '../model/observations.js';
import type { Reporter } from '../model/reporter.js';
import type { RunNote, TestCase } from '../model/run-model.js';
import type { BenchObservations } from './bench-observations.js';

interface Running {
  test: TestCase;
  retry: number;
  frames: number;
}

export class RunObserver implements Reporter {
  readonly name = 'observer';
  private readonly running = new Map<string, Running>();
  private readonly detach: () => void;
  private readonly heldNotes: RunNote[];
  private notesFlowing = false;

  constructor(
    observations: BenchObservations,
    private readonly out: Reporter,
  ) {
    const onFrame = (f: FrameEvent): void => this.frame(f);
    const onPower = (p: PowerEvent): void => this.out.onPower?.(this.attribute(p));
    const onNms = (c: NmsChangeEvent): void => this.out.onNmsChange?.(this.attribute(c));
    const onNote = (n: RunNote): void => (this.notesFlowing ? this.out.onNote?.(n) : void this.heldNotes.push(n));
    this.heldNotes = [...observations.notes];
    observations.on('frame', onFrame);
    observations.on('power', onPower);
    observations.on('nms', onNms);
    observations.on('note', onNote);
    this.detach = () => {
      observations.off('frame', onFrame);
      observations.off('power', onPower);
      observations.off('nms', onNms);
      observations.off('note', onNote);
    };
  }

  onTestBegin(test: TestCase, attempt: { retry: number }): void {
    this.releaseNotes();
    this.running.set(test.device.name, { test, retry: attempt.retry, frames: 0 });
  }

  onTestEnd(test: TestCase): void {
    this.releaseNotes();
    if (this.running.get(test.device.name)?.test.id === test.id) this.running.delete(test.device.name);
  }

  onEnd(): void {
    this.releaseNotes();
  }

  private releaseNotes(): void {
    if (this.notesFlowing) return;
    this.notesFlowing = true;
    for (const n of this.heldNotes.splice(0)) this.out.onNote?.(n);
  }

  /** Frames attributed so far to the attempt running on `device`. */
  framesOf(device: string): number {
    return this.running.get(device)?.frames ?? 0;
  }

  /** Console lines of the attempt running on `device`, handed over as it ends. */
  consoleLines(device: string, lines: readonly TranscriptLine[]): void {
    for (const l of lines) this.out.onConsoleLine?.(this.attribute({ at: l.at, device, direction: l.dir, text: l.text }));
  }

  stop(): void {
    this.detach();
  }

  private frame(f: FrameEvent): void {
    if (f.device !== undefined) {
      const r = this.running.get(f.device);
      if (r) r.frames++;
      this.out.onFrame?.(this.attribute(f));
      return;
    }
    const here = [...this.running.values()].filter((r) => r.test.device.link === f.link);
    if (!here.length) return void this.out.onFrame?.(f);
    for (const r of here) {
      r.frames++;
      this.out.onFrame?.({ ...f, device: r.test.device.name, testId: r.test.id, retry: r.retry });
    }
  }

  private attribute<T extends Attribution>(e: T): T {
    const r = e.device !== undefined ? this.running.get(e.device) : undefined;
    return r ? { ...e, testId: r.test.id, retry: r.retry } : e;
  }
}

/**
 * Everything sent to and received from one console, timestamped, for console logs in reports.
 * Bounded: past `maxChars` the oldest entries go, and what went is counted.
 */
import { DropCounter } from '../../core/drop-counter.js';

export interface TranscriptEntry {
  /** Wall-clock ms since the epoch. */
  at: number;
  dir: 'tx' | 'rx';
  text: string;
}

export const DEFAULT_TRANSCRIPT_CHARS = 1 << 20;

export class Transcript {
  private readonly entries: TranscriptEntry[] = [];
  private head = 0;
  private chars = 0;

  constructor(
    private readonly maxChars = DEFAULT_TRANSCRIPT_CHARS,
    readonly drops = new DropCounter(),
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxChars) || maxChars < 1) throw new TypeError(`"maxTranscriptChars" must be a positive integer, got ${maxChars}`);
  }

  add(dir: 'tx' | 'rx', text: string): void {
    if (text.length === 0) return;
    // One huge chunk keeps only its tail, like any other overflow.
    if (text.length > this.maxChars) {
      this.drops.count('transcript over cap', text.length - this.maxChars);
      text = text.slice(-this.maxChars);
    }
    const last = this.entries[this.entries.length - 1];
    const at = this.now();
    // Chunks arriving in the same millisecond read better as one entry.
    if (last && this.entries.length > this.head && last.dir === dir && last.at === at) last.text += text;
    else this.entries.push({ at, dir, text });
    this.chars += text.length;
    while (this.chars > this.maxChars && this.head < this.entries.length) {
      const gone = this.entries[this.head]!;
      this.chars -= gone.text.length;
      this.drops.count('transcript over cap', gone.text.length);
      this.head++;
    }
    // Compact now and then so dropped entries do not pin memory.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
  }

  list(): TranscriptEntry[] {
    return this.entries.slice(this.head).map((e) => ({ ...e }));
  }
}

export interface TranscriptLine {
  /** Arrival of the line's first character. */
  at: number;
  dir: 'tx' | 'rx';
  /** Without its line end; control characters other than line ends shown as \xNN. */
  text: string;
}

/**
 * The transcript as console lines, each stamped with the arrival of its first character. A line
 * with no end yet (a prompt) is a line as it is.
 */
export function transcriptLines(entries: readonly TranscriptEntry[]): TranscriptLine[] {
  const out: TranscriptLine[] = [];
  let pending: TranscriptLine | undefined;
  const flush = () => {
    if (pending) out.push({ ...pending, text: visible(pending.text) });
    pending = undefined;
  };
  for (const e of entries) {
    if (pending && pending.dir !== e.dir) flush();
    const parts = e.text.replace(/\r\n/g, '\n').split('\n');
    parts.forEach((part, i) => {
      const ended = i < parts.length - 1;
      if (!pending) {
        if (!ended && part.length === 0) return;
        pending = { at: e.at, dir: e.dir, text: '' };
      }
      pending.text += part;
      if (ended) flush();
    });
  }
  flush();
  return out;
}

/**
 * Plain text, one line per console line: `<ISO time> > command` for what the harness sent and
 * `<ISO time> < text` for what the board said (transcriptLines).
 */
export function renderTranscript(entries: readonly TranscriptEntry[]): string {
  const out = transcriptLines(entries).map((l) => `${new Date(l.at).toISOString()} ${l.dir === 'tx' ? '>' : '<'} ${l.text}`);
  return out.length ? out.join('\n') + '\n' : '';
}

function visible(s: string): string {
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

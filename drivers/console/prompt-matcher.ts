/**
 * Finds the first occurrence of a prompt (or any expected pattern) in console output that arrives
 * in arbitrary chunks. The answer must not depend on where the chunks split: a prompt cut at any
 * byte is still found, and a false start ("aab" inside "aaab") must not hide the real match —
 * serialport's ReadyParser restarts naively and misses exactly that case.
 *
 * Literal prompts use a Knuth-Morris-Pratt automaton (each character examined once). Regular
 * expressions are re-run over a window reaching `maxMatchLength - 1` characters back before the
 * new data, against the whole retained buffer (so `^`, `\b` and look-behinds keep their meaning).
 * That is chunking-independent for patterns whose matches cannot grow with more input — true of
 * prompts, which end in a literal such as "> " — and not for e.g. /a+$/, whose match on a prefix
 * differs from its match on the whole text.
 *
 * The retained text is capped at `maxBuffer` characters; older text is dropped and counted.
 */
import { DropCounter } from '../../core/drop-counter.js';

export interface PatternMatch {
  /** Stream offset (characters since construction) where the match starts. */
  start: number;
  /** Stream offset just past the match. */
  end: number;
  text: string;
}

export interface StreamMatcherOptions {
  /** Characters retained before the match (for the command's output). Default 65536. */
  maxBuffer?: number;
  /** Longest text a regular expression is expected to match. Default 256. */
  maxMatchLength?: number;
  drops?: DropCounter;
}

export const DEFAULT_MAX_BUFFER = 65536;
export const DEFAULT_MAX_MATCH_LENGTH = 256;

export class StreamMatcher {
  private readonly search: LiteralSearch | RegexSearch;
  private readonly maxBuffer: number;
  readonly drops: DropCounter;
  private buf = '';
  /** Stream offset of buf[0]. */
  private base = 0;
  private found: PatternMatch | undefined;

  constructor(pattern: string | RegExp, opts: StreamMatcherOptions = {}) {
    const maxMatchLength = opts.maxMatchLength ?? DEFAULT_MAX_MATCH_LENGTH;
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    if (!Number.isInteger(maxMatchLength) || maxMatchLength < 1) throw new TypeError(`"maxMatchLength" must be a positive integer, got ${maxMatchLength}`);
    // The regex window must survive trimming, or a prompt straddling the cut would be lost.
    if (!Number.isInteger(this.maxBuffer) || this.maxBuffer < 2 * maxMatchLength) {
      throw new TypeError(`"maxBuffer" must be an integer of at least 2 × maxMatchLength (${2 * maxMatchLength}), got ${this.maxBuffer}`);
    }
    this.drops = opts.drops ?? new DropCounter();
    this.search = typeof pattern === 'string' ? new LiteralSearch(pattern) : new RegexSearch(pattern, maxMatchLength);
  }

  get matched(): PatternMatch | undefined {
    return this.found;
  }

  /** Text retained so far (up to the end of the match once matched). */
  get buffered(): string {
    return this.buf;
  }

  /** Retained text before the match (or everything retained, with no match yet). */
  textBefore(): string {
    return this.found ? this.buf.slice(0, Math.max(0, this.found.start - this.base)) : this.buf;
  }

  /**
   * Feeds the next piece of the stream. Returns the first match once there is one; text after
   * the match is not retained (it belongs to whatever comes next).
   */
  push(text: string): PatternMatch | undefined {
    if (this.found || text.length === 0) return this.found;
    const streamEndBefore = this.base + this.buf.length;
    if (this.search instanceof LiteralSearch) {
      const endInText = this.search.feed(text);
      if (endInText >= 0) {
        this.buf += text.slice(0, endInText);
        const end = streamEndBefore + endInText;
        this.found = { start: end - this.search.needle.length, end, text: this.search.needle };
      } else {
        this.buf += text;
      }
    } else {
      this.buf += text;
      const m = this.search.find(this.buf, Math.max(0, streamEndBefore - this.search.lookBack - this.base));
      if (m) {
        this.found = { start: this.base + m.index, end: this.base + m.index + m.text.length, text: m.text };
        this.buf = this.buf.slice(0, m.index + m.text.length);
      }
    }
    this.trim();
    return this.found;
  }

  private trim(): void {
    const excess = this.buf.length - this.maxBuffer;
    if (excess <= 0) return;
    // Never cut into the match itself: the caller wants its text.
    const cut = this.found ? Math.min(excess, this.found.start - this.base) : excess;
    if (cut <= 0) return;
    this.buf = this.buf.slice(cut);
    this.base += cut;
    this.drops.count('console output over buffer cap', cut);
  }
}

/** Knuth-Morris-Pratt: on a mismatch fall back to the longest proper border, never to zero blindly. */
class LiteralSearch {
  private readonly border: Int32Array;
  private state = 0;

  constructor(readonly needle: string) {
    if (needle.length === 0) throw new TypeError('prompt pattern must not be empty');
    this.border = new Int32Array(needle.length);
    let k = 0;
    for (let i = 1; i < needle.length; i++) {
      while (k > 0 && needle[i] !== needle[k]) k = this.border[k - 1]!;
      if (needle[i] === needle[k]) k++;
      this.border[i] = k;
    }
  }

  /** Index in `text` just past the first completed match, or -1. */
  feed(text: string): number {
    const n = this.needle;
    let k = this.state;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      while (k > 0 && c !== n[k]) k = this.border[k - 1]!;
      if (c === n[k]) k++;
      if (k === n.length) {
        this.state = 0;
        return i + 1;
      }
    }
    this.state = k;
    return -1;
  }
}

class RegexSearch {
  private readonly re: RegExp;
  readonly lookBack: number;

  constructor(pattern: RegExp, maxMatchLength: number) {
    // A sticky flag would only look at one position; global makes exec honour lastIndex as a start.
    this.re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '') + 'g');
    if (new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')).test('')) {
      throw new TypeError(`prompt pattern ${pattern} matches the empty string, so it would match before the board says anything`);
    }
    this.lookBack = maxMatchLength - 1;
  }

  find(buf: string, from: number): { index: number; text: string } | undefined {
    this.re.lastIndex = from;
    const m = this.re.exec(buf);
    return m ? { index: m.index, text: m[0] } : undefined;
  }
}

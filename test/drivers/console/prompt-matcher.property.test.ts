import fc from 'fast-check';
import { StreamMatcher } from '../../../drivers/console/prompt-matcher.js';

/** Cuts `text` at the given positions (any order, duplicates allowed). */
function chunk(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

function feed(m: StreamMatcher, chunks: string[]): void {
  for (const c of chunks) m.push(c);
}

/** The oracle: the first match on the whole text at once. */
function oracle(text: string, pattern: string | RegExp): { start: number; text: string } | undefined {
  if (typeof pattern === 'string') {
    const i = text.indexOf(pattern);
    return i < 0 ? undefined : { start: i, text: pattern };
  }
  const m = new RegExp(pattern.source, pattern.flags.replace('g', '')).exec(text);
  return m ? { start: m.index, text: m[0] } : undefined;
}

const RUNS = { numRuns: 500 };
// A small alphabet makes near-misses (aab inside aaab, abab inside ababab) the common case.
const abText = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 40 });
const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('StreamMatcher', () => {
  test('literal: first match equals indexOf on the whole text, for any chunking', () => {
    fc.assert(
      fc.property(fc.constantFrom('aab', 'aaab', 'abab', 'abcab', 'aa', 'a', 'abcabd'), abText, cuts, (needle, text, cs) => {
        const m = new StreamMatcher(needle);
        feed(m, chunk(text, cs));
        const want = oracle(text, needle);
        expect(m.matched ? { start: m.matched.start, text: m.matched.text } : undefined).toEqual(want);
        if (want) expect(m.textBefore()).toBe(text.slice(0, want.start));
      }),
      RUNS,
    );
  });

  test("'aab' is found in 'aaab' fed one character at a time (the ReadyParser bug)", () => {
    const m = new StreamMatcher('aab');
    for (const c of 'aaab') m.push(c);
    expect(m.matched).toEqual({ start: 1, end: 4, text: 'aab' });
    expect(m.textBefore()).toBe('a');
  });

  test('a prompt split at every byte position is found with the exact output before it', () => {
    const prompt = 'meter-00173bfffe000001> ';
    const text = `1716840000 2024-05-27T20:00:00Z\r\nmeter-00173bfffe00> meter-\r\n${prompt}`;
    for (const re of [false, true]) {
      for (let cut = 0; cut <= text.length; cut++) {
        const m = new StreamMatcher(re ? /meter-[0-9a-f]{16}> / : prompt);
        m.push(text.slice(0, cut));
        m.push(text.slice(cut));
        expect(m.matched?.start).toBe(text.length - prompt.length);
        expect(m.textBefore()).toBe(text.slice(0, -prompt.length));
      }
      const single = new StreamMatcher(re ? /meter-[0-9a-f]{16}> / : prompt);
      for (const c of text) single.push(c);
      expect(single.matched?.text).toBe(prompt);
    }
  });

  test('regular-expression prompts with false starts: same as matching the whole text, for any chunking', () => {
    const noise = fc.array(fc.constantFrom('meter-', 'meter-0', '0017', '> ', 'x', '\r\n', 'meter-00173b> ', 'Error: '), { maxLength: 12 }).map((a) => a.join(''));
    const eui = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 16, maxLength: 16 });
    fc.assert(
      fc.property(noise, fc.option(eui, { nil: undefined }), noise, cuts, (before, id, after, cs) => {
        const text = `${before}${id === undefined ? '' : `meter-${id}> `}${after}`;
        const pattern = /meter-[0-9a-f]{16}> /;
        const m = new StreamMatcher(pattern);
        feed(m, chunk(text, cs));
        const want = oracle(text, pattern);
        expect(m.matched ? { start: m.matched.start, text: m.matched.text } : undefined).toEqual(want);
      }),
      RUNS,
    );
  });

  test('anchors keep their meaning inside a window: ^ is the start of a line, not of the new data', () => {
    const m = new StreamMatcher(/^OK$/m);
    m.push('NOTOK');
    m.push('\r\nxOK\n');
    expect(m.matched).toBeUndefined();
    m.push('OK\n');
    expect(m.matched?.start).toBe('NOTOK\r\nxOK\n'.length);
  });

  test('past the buffer cap old text is dropped and counted, and the prompt is still found', () => {
    const m = new StreamMatcher('> ', { maxBuffer: 64, maxMatchLength: 8 });
    const long = 'x'.repeat(1000);
    for (let i = 0; i < long.length; i += 7) m.push(long.slice(i, i + 7));
    m.push('tail>');
    m.push(' ');
    expect(m.matched).toEqual({ start: 1004, end: 1006, text: '> ' });
    expect(m.buffered).toBe(`${'x'.repeat(58)}tail> `);
    expect(m.textBefore()).toBe(`${'x'.repeat(58)}tail`);
    expect(m.drops.get('console output over buffer cap')).toBe(1006 - 64);
  });

  test('text after the match is not kept, and later pushes change nothing', () => {
    const m = new StreamMatcher('> ');
    expect(m.push('abc> def')).toEqual({ start: 3, end: 5, text: '> ' });
    m.push('> more');
    expect(m.buffered).toBe('abc> ');
    expect(m.textBefore()).toBe('abc');
  });

  test('bad patterns fail at construction', () => {
    expect(() => new StreamMatcher('')).toThrow('must not be empty');
    expect(() => new StreamMatcher(/x*/)).toThrow('matches the empty string');
    expect(() => new StreamMatcher('> ', { maxBuffer: 10, maxMatchLength: 8 })).toThrow('maxBuffer');
  });
});

/**
 * A conservative look at how deeply a YAML text nests, before the yaml package parses it. The
 * package recurses per level; a few thousand levels (a 10 KB file of `[`) exhaust the stack, and
 * when that happens inside V8's regular-expression compiler the process aborts ("RegExpCompiler
 * Allocation failed") where no try/catch can help. Rig and suite files nest less than ten levels.
 *
 * Counted: flow collections (`[`, `{` outside quotes and comments), and on each line the
 * indentation plus the compact block indicators (`- - x`, `? `) that open a level without a new
 * line. Over-counting is harmless at these limits; under-counting is what must not happen.
 */
export const MAX_FLOW_DEPTH = 100;
export const MAX_LINE_DEPTH = 256;

export interface NestingProblem {
  line: number;
  col: number;
  reason: string;
}

export function nestingProblem(text: string): NestingProblem | undefined {
  let flow = 0;
  let line = 1;
  let lineStart = 0;
  let quote: '"' | "'" | undefined;
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (i === lineStart && quote === undefined && flow === 0) {
      let indent = 0;
      while (i + indent < n && text[i + indent] === ' ') indent++;
      let j = i + indent;
      let compact = 0;
      while (j < n && (text[j] === '-' || text[j] === '?') && (j + 1 === n || text[j + 1] === ' ' || text[j + 1] === '\n')) {
        compact++;
        j += 2;
        while (j < n && text[j] === ' ') j++;
      }
      if (indent + compact > MAX_LINE_DEPTH) return { line, col: 1, reason: `nested or indented deeper than ${MAX_LINE_DEPTH} levels` };
    }
    const c = text[i]!;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (quote === "'") {
      if (c === "'") {
        if (text[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    } else if (c === '"' || c === "'") {
      // A quote opens a quoted scalar only where a scalar starts; inside a plain word (don't) it is text.
      const prev = text[i - 1];
      if (i === lineStart || prev === ' ' || prev === '\t' || prev === '[' || prev === '{' || prev === ',' || prev === ':' || prev === '-') quote = c;
    } else if (c === '[' || c === '{') {
      flow++;
      if (flow > MAX_FLOW_DEPTH) return { line, col: i - lineStart + 1, reason: `flow collections nested deeper than ${MAX_FLOW_DEPTH} levels` };
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
    }
    i++;
  }
  return undefined;
}

import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigErrorCode } from '../../core/errors.js';
import { nestingProblem } from './yaml-nesting.js';

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

/**
 * Limits for hostile or broken files, far above any real rig or suite: a rig of a thousand meters
 * is about 600 KB, and no value a suite or rig holds (a hex frame, a console command) comes near
 * 64 KiB. Without them a 50 MB string took 16 s and 1.9 GB, and a 494-byte alias bomb expanded
 * until the yaml package gave up with a stack trace.
 */
export const MAX_CONFIG_BYTES = 4 << 20;
export const MAX_STRING_LENGTH = 64 << 10;
/** Alias expansions the yaml package allows per document (its own default); shared step lists use a handful. */
const MAX_ALIAS_COUNT = 100;

/**
 * A parsed YAML file that remembers where every value came from, so a schema or semantic error on a
 * JSON path can be reported as file:line:col pointing at the offending text.
 */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    readonly value: unknown,
  ) {}

  /** Throws ConfigError at the first syntax error (duplicate keys included) or the first value past a limit. */
  static parse(text: string, file: string): YamlSource {
    if (text.length > MAX_CONFIG_BYTES) throw new ConfigError(`${file}:1:1`, 'file', `larger than ${MAX_CONFIG_BYTES >> 20} MiB (${text.length} characters)`);
    // The yaml package recurses once per nesting level; deep enough, that exhausts the stack inside
    // V8's regular-expression compiler, which aborts the process instead of throwing.
    const deep = nestingProblem(text);
    if (deep) throw new ConfigError(`${file}:${deep.line}:${deep.col}`, 'syntax', `YAML: ${deep.reason}`);
    const lines = new LineCounter();
    // merge: true lets suites share step lists through `<<: *anchor`, a common YAML idiom.
    const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const reason = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
      throw new ConfigError(`${file}:${pos.line}:${pos.col}`, 'syntax', `YAML: ${reason}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      // The yaml package's ReferenceError for an alias bomb, or a failure of its own on a
      // hostile document: a file that cannot be read as configuration either way.
      const at = lines.linePos(firstAliasOffset(doc) ?? 0);
      const bomb = /alias count/i.test((e as Error).message);
      throw new ConfigError(`${file}:${at.line}:${at.col}`, 'syntax', bomb ? `YAML: aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?)` : `YAML: cannot be read: ${(e as Error).message}`);
    }
    const src = new YamlSource(file, doc, lines, value);
    const long = longString(value, []);
    if (long) throw src.error(long.path, 'value', `a value of ${long.length} characters; the limit is ${MAX_STRING_LENGTH}`);
    return src;
  }

  /**
   * Where the value at `path` starts. With `key`, where its key starts (an unknown property is best
   * shown at its name). A path that leaves the document points at the deepest node that exists,
   * which is where a missing property would have to be written.
   */
  position(path: readonly PathSegment[], opts: { key?: boolean } = {}): Position {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const seg of path) {
      node = this.deref(node);
      let next: unknown;
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (pair) {
          next = pair.value ?? pair.key;
          keyNode = pair.key;
        }
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      }
      if (next === undefined) break;
      node = next;
    }
    const target = (opts.key && keyNode ? keyNode : node) as Node | null | undefined;
    const offset = target?.range?.[0] ?? 0;
    return this.lines.linePos(offset);
  }

  where(path: readonly PathSegment[], opts: { key?: boolean } = {}): string {
    const { line, col } = this.position(path, opts);
    return `${this.file}:${line}:${col}`;
  }

  error(path: readonly PathSegment[], code: ConfigErrorCode, reason: string, opts: { key?: boolean } = {}): ConfigError {
    return new ConfigError(this.where(path, opts), code, reason);
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }
}

function firstAliasOffset(doc: Document): number | undefined {
  let at: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      at = node.range?.[0];
      return visit.BREAK;
    },
  });
  return at;
}

/** The first string (value or key) longer than MAX_STRING_LENGTH, with its path. */
function longString(value: unknown, path: PathSegment[]): { path: PathSegment[]; length: number } | undefined {
  if (typeof value === 'string') return value.length > MAX_STRING_LENGTH ? { path, length: value.length } : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = longString(value[i], [...path, i]);
      if (r) return r;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.length > MAX_STRING_LENGTH) return { path, length: k.length };
      const r = longString(v, [...path, k]);
      if (r) return r;
    }
  }
  return undefined;
}

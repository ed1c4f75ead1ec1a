import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigErrorCode } from '../../core/errors.js';

export type PathSegment = string | number;

export interface Position {
  line: number;
  col: number;
}

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

  /** Throws ConfigError at the first syntax error (duplicate keys included). */
  static parse(text: string, file: string): YamlSource {
    const lines = new LineCounter();
    // merge: true lets suites share step lists through `<<: *anchor`, a common YAML idiom.
    const doc = parseDocument(text, { lineCounter: lines, merge: true, prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const pos = lines.linePos(first.pos[0]);
      const reason = first.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '').trim();
      throw new ConfigError(`${file}:${pos.line}:${pos.col}`, 'syntax', `YAML: ${reason}`);
    }
    return new YamlSource(file, doc, lines, doc.toJS({ maxAliasCount: 1000 }));
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

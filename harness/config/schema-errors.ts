import type { ErrorObject } from 'ajv';
import { DURATION_PATTERN } from '../../core/duration.js';
import type { PathSegment } from './yaml-source.js';
import { looksLikeKeyMaterial, shownText } from './secret-text.js';

/** One schema violation, reduced to the most useful thing to tell a person, and where to point. */
export interface SchemaProblem {
  path: PathSegment[];
  /** Point at the key rather than the value (an unknown property). */
  atKey: boolean;
  reason: string;
}

export interface ExplainContext {
  /** True for a path that holds one step, so an unknown key reads "unknown action". */
  isStep(path: readonly PathSegment[]): boolean;
  /** The short usage of whatever lives at `path`, shown when no single alternative fits. */
  usageAt(path: readonly PathSegment[]): string | undefined;
  /** Why the value at `path` is never shown (a PKCS#11 PIN written where its variable's name belongs); undefined: it may be. */
  secretAt?(path: readonly PathSegment[]): string | undefined;
}

const COMBINATORS = new Set(['oneOf', 'anyOf', 'if', 'not']);
// Which of several errors at the same place reads best, best first.
const PRIORITY = ['additionalProperties', 'required', 'enum', 'const', 'type', 'pattern'];

export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return shownText(value);
  return String(value);
}

/** A value never shown: only what kind it is ("a number, not shown: it may be the PIN itself"). */
function kindOf(value: unknown): string {
  if (value === null || Array.isArray(value) || typeof value === 'object') return shown(value);
  return typeof value === 'string' ? 'text' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'true or false' : 'a value';
}

const NAME_NOT_SHOWN = 'its name is not shown: it looks like key material';

/** A property name as a message may show it: a line of a pasted key lands in a name as easily as in a value. */
function shownName(name: string): string {
  return looksLikeKeyMaterial(name) ? `(${NAME_NOT_SHOWN})` : name;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

/** Errors inside a oneOf branch whose discriminator (a `const`) did not match are noise. */
function dropMismatchedBranches(errors: ErrorObject[]): ErrorObject[] {
  const branchOf = (e: ErrorObject): string | undefined => /^(.*\/oneOf\/\d+)\//.exec(e.schemaPath)?.[1];
  const mismatched = new Set<string>();
  for (const e of errors) {
    const b = branchOf(e);
    if (b && e.keyword === 'const') mismatched.add(b);
  }
  const kept = errors.filter((e) => {
    const b = branchOf(e);
    return !b || !mismatched.has(b);
  });
  // When every branch was mismatched the discriminator itself is wrong: keep the const errors.
  return kept.length > 0 ? kept : errors.filter((e) => e.keyword === 'const');
}

function effectiveDepth(e: ErrorObject): number {
  const extra = e.keyword === 'additionalProperties' || e.keyword === 'required' ? 1 : 0;
  return pointerToPath(e.instancePath).length + extra;
}

export function explainSchemaErrors(all: ErrorObject[], ctx: ExplainContext): SchemaProblem {
  let errors = dropMismatchedBranches(all.filter((e) => !COMBINATORS.has(e.keyword)));
  if (errors.length === 0) errors = all;
  const deepest = Math.max(...errors.map(effectiveDepth));
  const here = errors.filter((e) => effectiveDepth(e) === deepest);
  here.sort((a, b) => rank(a) - rank(b));
  const first = here[0]!;
  const path = pointerToPath(first.instancePath);
  const sameKeyword = here.filter((e) => e.keyword === first.keyword && e.instancePath === first.instancePath);
  const fromBranches = new Set(sameKeyword.map((e) => /\/(oneOf|anyOf)\/\d+\//.exec(e.schemaPath)?.[0])).size > 1;
  const secret = ctx.secretAt?.(path);
  if (secret !== undefined) return { path, atKey: false, reason: secretProblem(first, sameKeyword, secret) };

  switch (first.keyword) {
    case 'additionalProperties': {
      const name = String(first.params.additionalProperty);
      const allowed = Object.keys(((first.parentSchema as { properties?: object } | undefined)?.properties) ?? {});
      const what = ctx.isStep(path) ? 'action' : 'property';
      const reason = looksLikeKeyMaterial(name)
        ? `unknown ${what} (${NAME_NOT_SHOWN}; expected one of ${allowed.join(', ')})`
        : `unknown ${what} '${name}' (expected one of ${allowed.join(', ')})`;
      return { path: [...path, name], atKey: true, reason };
    }
    case 'required': {
      if (fromBranches) {
        const names = sameKeyword.map((e) => String(e.params.missingProperty));
        return { path, atKey: false, reason: `needs exactly one of ${names.join(', ')}` };
      }
      return { path, atKey: false, reason: `missing property '${String(first.params.missingProperty)}'` };
    }
    case 'enum':
      return { path, atKey: false, reason: `${shown(first.data)} is not one of ${(first.params.allowedValues as unknown[]).join(', ')}` };
    case 'const': {
      const allowed = sameKeyword.map((e) => String(e.params.allowedValue));
      return { path, atKey: false, reason: `${shown(first.data)} is not one of ${allowed.join(', ')}` };
    }
    case 'type': {
      const usage = ctx.usageAt(path);
      if (ctx.isStep(path)) return { path, atKey: false, reason: `a step is a mapping with one key, like 'power: cycle' (found ${shown(first.data)})` };
      if (fromBranches && usage) return { path, atKey: false, reason: `expected ${usage} (found ${shown(first.data)})` };
      const types = [...new Set(sameKeyword.map((e) => String(e.params.type)))].map((t) => TYPE_WORDS[t] ?? t);
      return { path, atKey: false, reason: `must be ${types.join(' or ')} (found ${shown(first.data)})` };
    }
    case 'pattern': {
      if (first.params.pattern === DURATION_PATTERN)
        return { path, atKey: false, reason: `${shown(first.data)} is not a duration (use e.g. 500ms, 60s, 2m, 1h)` };
      const description = (first.parentSchema as { description?: string } | undefined)?.description;
      const usage = ctx.usageAt(path);
      const expected = fromBranches && usage ? usage : (description ?? `text matching ${String(first.params.pattern)}`);
      return { path, atKey: false, reason: `${shown(first.data)} is not valid: expected ${expected}` };
    }
    case 'maxProperties':
      if (ctx.isStep(path))
        return { path, atKey: false, reason: `a step has exactly one key (found ${Object.keys(first.data as object).map(shownName).join(', ')})` };
      break;
    case 'minProperties':
      if (ctx.isStep(path)) return { path, atKey: false, reason: 'empty step' };
      break;
    case 'oneOf': {
      const usage = ctx.usageAt(path);
      if (usage) return { path, atKey: false, reason: `expected ${usage}` };
      break;
    }
  }
  return { path, atKey: false, reason: first.message ?? first.keyword };
}

/** The reason for a value that must not be shown: its kind at most, and what was expected. */
function secretProblem(first: ErrorObject, sameKeyword: ErrorObject[], why: string): string {
  if (first.keyword === 'type') {
    const types = [...new Set(sameKeyword.map((e) => String(e.params.type)))].map((t) => TYPE_WORDS[t] ?? t);
    return `must be ${types.join(' or ')} (found ${kindOf(first.data)}, not shown: ${why})`;
  }
  const description = (first.parentSchema as { description?: string } | undefined)?.description;
  return `the value given is not valid (not shown: ${why})${description ? `: expected ${description}` : ''}`;
}

function rank(e: ErrorObject): number {
  const i = PRIORITY.indexOf(e.keyword);
  return i < 0 ? PRIORITY.length : i;
}

/** "console.baudRate", "tlvs.43", "items[2]": the part of a path below its labelled owner. */
export function dottedPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${shownName(seg)}` : shownName(seg);
  return out;
}

/**
 * The first problem of a JSON value (an event or history line) against a compiled schema, as
 * "path: reason" ("info.tests[0]: missing property 'device'"; the reason alone at the top), or
 * undefined when the value fits.
 */
export function jsonProblem(validate: (value: unknown) => boolean, value: unknown): string | undefined {
  if (validate(value)) return undefined;
  const errors = (validate as { errors?: ErrorObject[] | null }).errors ?? [];
  const p = explainSchemaErrors(errors, { isStep: () => false, usageAt: () => undefined });
  const at = dottedPath(p.path);
  return at ? `${at}: ${p.reason}` : p.reason;
}

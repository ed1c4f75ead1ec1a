/**
 * Assertions on the typed errors of core/errors.ts (and the drivers' own): tests name the class,
 * the code and where the error points, not the wording, so a reworded message breaks only the few
 * tests that pin text on purpose.
 */
import {
  ConfigError,
  DECODE_ERROR_CODES,
  DecodeError,
  ResourceError,
  type ConfigErrorCode,
  type DecodeErrorCode,
  type DecodeLayer,
  type ResourceErrorCode,
} from '../../core/errors.js';

type ErrorClass<E> = abstract new (...args: never[]) => E;

/** What `fn` throws; fails the test when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw, but the call returned');
}

/** What `p` rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection, but the promise resolved');
    },
    (e: unknown) => e,
  );
}

/** Asserts `e` is an instance of `type` whose fields named in `want` equal it; returns it typed. */
export function expectErrorLike<E extends object>(e: unknown, type: ErrorClass<E>, want: Partial<E>): E {
  expect(e).toBeInstanceOf(type);
  const got: Record<string, unknown> = {};
  for (const k of Object.keys(want)) got[k] = (e as Record<string, unknown>)[k];
  expect(got).toEqual(want);
  return e as E;
}

export interface DecodeErrorFields {
  layer: DecodeLayer;
  code: DecodeErrorCode;
  offset?: number;
  reason?: string;
}

export function expectDecodeError(fn: () => unknown, want: DecodeErrorFields): DecodeError {
  return expectErrorLike(thrown(fn), DecodeError, want);
}

export interface ConfigErrorFields {
  code: ConfigErrorCode;
  where?: string;
  reason?: string;
}

export function expectConfigError(fn: () => unknown, want: ConfigErrorFields): ConfigError {
  return expectErrorLike(thrown(fn), ConfigError, want);
}

export async function expectConfigRejection(p: Promise<unknown>, want: ConfigErrorFields): Promise<ConfigError> {
  return expectErrorLike(await rejection(p), ConfigError, want);
}

export interface ResourceErrorFields {
  code: ResourceErrorCode;
  resource?: string;
  reason?: string;
}

export function expectResourceError(fn: () => unknown, want: ResourceErrorFields): ResourceError {
  return expectErrorLike(thrown(fn), ResourceError, want);
}

export async function expectResourceRejection(p: Promise<unknown>, want: ResourceErrorFields): Promise<ResourceError> {
  return expectErrorLike(await rejection(p), ResourceError, want);
}

/**
 * For property tests, which run thousands of times (an expect() per run would dominate): `e` when
 * it is a DecodeError of one of `layers` with a code of the union and an offset in 0..maxOffset;
 * otherwise a throw that fast-check reports with its counter-example.
 */
export function checkDecodeError(e: unknown, layers: readonly DecodeLayer[], maxOffset = Number.MAX_SAFE_INTEGER): DecodeError {
  if (!(e instanceof DecodeError)) throw e;
  if (!layers.includes(e.layer)) throw new Error(`DecodeError of layer ${e.layer}, expected ${layers.join(' or ')}: ${e.message}`);
  if (!DECODE_ERROR_CODES.includes(e.code)) throw new Error(`DecodeError with code ${String(e.code)} outside the union: ${e.message}`);
  if (!(Number.isInteger(e.offset) && e.offset >= 0 && e.offset <= maxOffset)) throw new Error(`DecodeError offset ${e.offset} outside 0..${maxOffset}: ${e.message}`);
  return e;
}

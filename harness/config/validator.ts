import { Ajv, type ValidateFunction } from 'ajv';
import type { JsonSchema } from './step-kit.js';

/** Compiled once per schema: compiling is the slow part of ajv, validating is cheap. */
const cache = new WeakMap<JsonSchema, ValidateFunction>();

export function compileSchema(schema: JsonSchema): ValidateFunction {
  let validate = cache.get(schema);
  if (!validate) {
    // allErrors + verbose: the explainer needs every alternative's complaint and the offending data.
    // strictRequired off: expect's oneOf names its operator in `required` without redefining it.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

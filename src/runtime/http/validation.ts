/**
 * Request validation with ajv (JSON Schema 2020-12, no type coercion: "12" is not a number), and the
 * conversion of ajv's errors into the `details` of an INVALID_INPUT answer.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { ErrorDetail } from '../../errors.js';
import type { JSONSchema } from '../../sdk/index.js';

// A CommonJS default export seen from ESM (tsx) and from an esbuild CJS bundle alike.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as FormatsPlugin;

/** Most details listed in one answer; a 10 000-record body with a bad column would otherwise list 10 000. */
export const MAX_DETAILS = 50;

/** One ajv instance per server: compiles each API's input schema once. */
export function createAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

export function compileSchema(ajv: Ajv2020, schema: JSONSchema): ValidateFunction {
  return ajv.compile(schema);
}

/** Turns ajv errors into details: JSON-pointer-like paths (a missing property's path names it). */
export function toDetails(errors: readonly ErrorObject[] | null | undefined): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const e of errors ?? []) {
    if (details.length >= MAX_DETAILS) break;
    details.push(toDetail(e));
  }
  return details;
}

function toDetail(e: ErrorObject): ErrorDetail {
  const base = unescape(e.instancePath);
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { path: `${base}/${missing}`, message: 'is required' };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: `${base}/${extra}`, message: 'is not allowed' };
  }
  return { path: base || '/', message: e.message ?? e.keyword };
}

/** JSON pointer escapes back to the property names a user wrote ("a~1b" → "a/b" is ambiguous, kept readable). */
function unescape(pointer: string): string {
  return pointer.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** One sentence summing up the details, for the answer's `error`. */
export function summarise(details: ErrorDetail[], total: number): string {
  if (details.length === 0) return 'the request body does not match the API schema';
  const first = `${details[0]!.path}: ${details[0]!.message}`;
  return total > 1 ? `invalid request body: ${first} (and ${total - 1} more)` : `invalid request body: ${first}`;
}

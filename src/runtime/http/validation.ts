/**
 * Request validation with ajv (JSON Schema 2020-12, no type coercion: "12" is not a number), and the
 * conversion of ajv's errors into the `details` of an INVALID_INPUT answer.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { ErrorDetail } from '../../errors.js';
import type { JSONSchema } from '../../sdk/index.js';
import { makeAjv } from '../../sdk/json-schema.js';

/** Most details listed in one answer; a 10 000-record body with a bad column would otherwise list 10 000. */
export const MAX_DETAILS = 50;

/** Ajv instances of one server: each API's input schema is compiled once in each. */
export interface Validators {
  /** Stops at the first error: what every request pays. */
  first: Ajv2020;
  /** Lists every error, used on a failed request, one item at a time and only up to MAX_DETAILS. */
  all: Ajv2020;
}

/**
 * The validators of a server. Schemas are not checked against JSON Schema's meta-schema here: the service's
 * were checked when it was resolved for the build or for `bento serve .` (sdk/json-schema.ts), the server's own
 * are constants, and compiling the meta-schema was ~100 ms of every start.
 */
export function createAjv(): Validators {
  return { first: makeAjv({ allErrors: false, checkSchemas: false }), all: makeAjv({ allErrors: true, checkSchemas: false }) };
}

/** An item with more members than this is reported by its first error only (its full list could be huge). */
const LARGE_ITEM = 1000;

/** Errors of a failed validation; `truncated` when more exist than were listed. */
export type BoundedErrors = ErrorObject[] & { truncated?: boolean };

function large(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > LARGE_ITEM;
  if (v !== null && typeof v === 'object') {
    let n = 0;
    for (const _ in v) if (++n > LARGE_ITEM) return true;
  }
  return false;
}

/** The array schema whose items can be checked one by one (no keyword looks at the array as a whole). */
function itemsOnly(schema: JSONSchema): JSONSchema | undefined {
  const s = schema as Record<string, unknown>;
  if (s.type !== 'array' || typeof s.items !== 'object' || s.items === null) return undefined;
  const others = Object.keys(s).filter((k) => !['type', 'items', 'examples', 'description', 'title', '$schema', '$id'].includes(k));
  return others.length === 0 ? (s.items as JSONSchema) : undefined;
}

/**
 * A validator whose work on a bad body is bounded: the first-error validator decides; only a failed body
 * is looked at again, item by item, until MAX_DETAILS errors are listed (a 7 MB `[0,0,…]` would otherwise
 * build millions of error objects before 50 were kept).
 */
export function compileSchema(v: Validators, schema: JSONSchema): ValidateFunction {
  const first = v.first.compile(schema);
  const itemSchema = itemsOnly(schema);
  // The item validators serve failed bodies only: compiled at the first one, not at every start (two
  // compiles per API and per array schema of the server's own routes: ~10 ms of a start, end to end).
  // (null: the item schema does not compile on its own; the whole body's first error is then the answer)
  let items: { all: ValidateFunction; first: ValidateFunction } | null | undefined;
  const itemValidators = (s: JSONSchema): { all: ValidateFunction; first: ValidateFunction } | null => {
    if (items === undefined) {
      try {
        items = { all: v.all.compile(s), first: v.first.compile(s) };
      } catch {
        items = null;
      }
    }
    return items;
  };
  const validate = ((body: unknown): boolean => {
    // (ajv's functions are type guards: after a failed one TypeScript would think `body` impossible)
    const data: unknown = body;
    if (first(body)) {
      validate.errors = null;
      return true;
    }
    const errors: BoundedErrors = [];
    const iv = itemSchema && Array.isArray(data) ? itemValidators(itemSchema) : null;
    if (iv && Array.isArray(data)) {
      const { all: item, first: itemFirst } = iv;
      for (let i = 0; i < data.length; i++) {
        if (itemFirst(data[i])) continue;
        if (errors.length >= MAX_DETAILS) {
          errors.truncated = true;
          break;
        }
        const check = large(data[i]) ? itemFirst : item;
        check(data[i]);
        for (const e of check.errors ?? []) {
          if (errors.length >= MAX_DETAILS) {
            errors.truncated = true;
            break;
          }
          errors.push({ ...e, instancePath: `/${i}${e.instancePath}` });
        }
      }
    }
    if (errors.length === 0) errors.push(...(first.errors ?? []));
    validate.errors = errors;
    return false;
  }) as ValidateFunction;
  validate.schema = schema;
  validate.errors = null;
  return validate;
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
export function summarise(details: ErrorDetail[], total: number, truncated = false): string {
  if (details.length === 0) return 'the request body does not match the API schema';
  const first = `${details[0]!.path}: ${details[0]!.message}`;
  if (truncated) return `invalid request body: ${first} (and more; the first ${details.length} are listed)`;
  return total > 1 ? `invalid request body: ${first} (and ${total - 1} more)` : `invalid request body: ${first}`;
}

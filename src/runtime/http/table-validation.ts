/**
 * Validation of a table body (CSV, JSON columns) against a rows API's input schema — a list of records —
 * column by column, without building the records: each property's schema is compiled on its own and run
 * on that column's values, `required` is a missing value, `additionalProperties` applies to the other
 * columns. The errors are those the records would give (`/3/area`: must be number), in the same
 * order (row by row), bounded as for records, with the CSV line added.
 *
 * An input schema this cannot split by column (`$ref`, `oneOf`, `minItems`, `patternProperties`, …) gets
 * no table validator: the route then builds the records and validates them as a JSON body.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { BentoError } from '../../errors.js';
import type { JSONSchema } from '../../sdk/index.js';
import type { Table } from './table.js';
import { MAX_DETAILS, summarise, toDetails } from './validation.js';

/** Keywords that only document. */
const DOC_KEYS = new Set(['description', 'title', 'examples', 'default', '$comment', 'deprecated', 'readOnly', 'writeOnly']);

/** Checks a table; throws the INVALID_INPUT to answer. */
export type TableValidator = (table: Table) => void;

interface Property {
  name: string;
  /** The pointer segment of the property (JSON-pointer escaped, as ajv writes it). */
  segment: string;
  validate: ValidateFunction;
  /** The schema is a plain number (or number-or-null): a finite number passes without a call. */
  plainNumber: boolean;
}

function docOnly(schema: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(schema).every((k) => allowed.includes(k) || DOC_KEYS.has(k));
}

function isPlainNumber(schema: unknown): boolean {
  if (schema === null || typeof schema !== 'object') return false;
  const s = schema as Record<string, unknown>;
  if (!docOnly(s, ['type'])) return false;
  return s.type === 'number' || (Array.isArray(s.type) && s.type.includes('number'));
}

const escapeSegment = (name: string): string => name.replace(/~/g, '~0').replace(/\//g, '~1');

/** The record schema of a list-of-records input schema, when it can be checked column by column. */
export function recordSchemaOf(input: JSONSchema): Record<string, unknown> | undefined {
  if (input.type !== 'array' || !docOnly(input, ['type', 'items', '$schema', '$id'])) return undefined;
  const items = input.items as Record<string, unknown> | undefined;
  if (items === null || typeof items !== 'object' || items.type !== 'object') return undefined;
  if (!docOnly(items, ['type', 'properties', 'required', 'additionalProperties'])) return undefined;
  // A sub-schema referring elsewhere in the document cannot be compiled alone.
  if (/"\$(?:dynamic)?ref"/.test(JSON.stringify(items))) return undefined;
  return items;
}

/** Whether a route with this input schema takes tables at all (a list of objects). */
export function takesTables(input: JSONSchema): boolean {
  const items = input.items as Record<string, unknown> | undefined;
  return input.type === 'array' && items !== null && typeof items === 'object' && items.type === 'object';
}

/**
 * The table validator of `input`, or undefined when it cannot be checked by column. `compile` compiles a
 * sub-schema as the server compiles bodies.
 */
export function tableValidator(input: JSONSchema, compile: (schema: JSONSchema) => ValidateFunction): TableValidator | undefined {
  const items = recordSchemaOf(input);
  if (!items) return undefined;
  const props = (items.properties ?? {}) as Record<string, JSONSchema>;
  const required = Array.isArray(items.required) ? (items.required as string[]) : [];
  const properties: Property[] = Object.entries(props).map(([name, schema]) => ({
    name,
    segment: escapeSegment(name),
    validate: compile(schema),
    plainNumber: isPlainNumber(schema),
  }));
  const known = new Set(Object.keys(props));
  const extra = items.additionalProperties;
  // Other columns are checked only when the schema says something about them.
  const extraCheck = extra === undefined || extra === true ? undefined : extra === false ? false : compile(extra as JSONSchema);

  /** Whether no row can fail: the usual case, checked a column at a time over typed arrays. */
  const clean = (table: Table): boolean => {
    const count = table.count;
    for (const name of required) {
      const col = table.column(name);
      if (col === undefined) return count === 0;
      if (!(col instanceof Float64Array)) for (let r = 0; r < count; r++) if (col[r] === undefined) return false;
    }
    for (const p of properties) {
      const col = table.column(p.name);
      if (col === undefined) continue;
      if (col instanceof Float64Array && p.plainNumber) {
        for (let r = 0; r < count; r++) if (!Number.isFinite(col[r]!)) return false;
        continue;
      }
      for (let r = 0; r < count; r++) {
        const v = col[r];
        if (v !== undefined && !(p.plainNumber && typeof v === 'number' && Number.isFinite(v)) && !p.validate(v)) return false;
      }
    }
    if (extraCheck === undefined) return true;
    for (const name of table.names) {
      if (known.has(name)) continue;
      const col = table.column(name)!;
      for (let r = 0; r < count; r++) if (col[r] !== undefined && (extraCheck === false || !extraCheck(col[r]))) return false;
    }
    return true;
  };

  return (table) => {
    // A table without rows still has a header: a required column absent from it is named.
    if (table.count === 0) {
      const absent = required.filter((name) => table.column(name) === undefined);
      if (absent.length === 0) return;
      const details = absent.slice(0, MAX_DETAILS).map((name) => ({ path: `/${name}`, message: 'is a required column, absent from the table' }));
      throw new BentoError('INVALID_INPUT', summarise(details, absent.length), details);
    }
    if (clean(table)) return;
    // Some row fails: the rows are walked in order, as the records would be, to list the errors.
    const count = table.count;
    const reqCols = required.map((name) => ({ name, col: table.column(name) }));
    const propCols = properties.map((p) => ({ p, col: table.column(p.name) })).filter((x) => x.col !== undefined) as Array<{ p: Property; col: ArrayLike<unknown> }>;
    const extras = extraCheck === undefined ? [] : table.names.filter((n) => !known.has(n)).map((name) => ({ name, segment: escapeSegment(name), col: table.column(name)! }));
    // A required column absent from the table fails every row: listed as it would be, row after row.
    const errors: Array<{ row: number; e: ErrorObject }> = [];
    let truncated = false;
    const push = (row: number, e: ErrorObject): boolean => {
      if (errors.length >= MAX_DETAILS) {
        truncated = true;
        return false;
      }
      errors.push({ row, e });
      return true;
    };
    rows: for (let r = 0; r < count; r++) {
      for (const { name, col } of reqCols) {
        if (col !== undefined && col[r] !== undefined) continue;
        const e = { instancePath: `/${r}`, schemaPath: '#/items/required', keyword: 'required', params: { missingProperty: name }, message: `must have required property '${name}'` };
        if (!push(r, e)) break rows;
      }
      for (const { p, col } of propCols) {
        const v = col[r];
        if (v === undefined || (p.plainNumber && typeof v === 'number' && Number.isFinite(v)) || p.validate(v)) continue;
        for (const e of p.validate.errors ?? []) if (!push(r, { ...e, instancePath: `/${r}/${p.segment}${e.instancePath}` })) break rows;
      }
      for (const { name, segment, col } of extras) {
        const v = col[r];
        if (v === undefined) continue;
        if (extraCheck === false) {
          const e = { instancePath: `/${r}`, schemaPath: '#/items/additionalProperties', keyword: 'additionalProperties', params: { additionalProperty: name }, message: 'must NOT have additional properties' };
          if (!push(r, e)) break rows;
        } else if (extraCheck && !extraCheck(v)) {
          for (const e of extraCheck.errors ?? []) if (!push(r, { ...e, instancePath: `/${r}/${segment}${e.instancePath}` })) break rows;
        }
      }
    }
    if (errors.length === 0) return;
    const details = toDetails(errors.map((x) => x.e)).map((d, i) => ({ ...d, message: `${d.message}${table.where(errors[i]!.row)}` }));
    throw new BentoError('INVALID_INPUT', summarise(details, errors.length, truncated), details);
  };
}

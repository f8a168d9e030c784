/**
 * The JSON Schema of API inputs and outputs: one dialect (2020-12, ajv, no type coercion: "12" is not a
 * number; formats; union types) for the build that checks a service's schemas and the server that compiles
 * them into validators.
 *
 * A schema is checked against JSON Schema's meta-schema once, when the service is resolved (`bento build`,
 * `bento serve .`): a bad one is refused there, naming the API and the place in the schema. The server
 * compiles a bento's schemas without that check: compiling the 2020-12 meta-schema took ~100 ms of every
 * start in process (60 ms of ~750 ms to /readyz measured end to end, the same bento before and after), to
 * re-check schemas that cannot have changed since the build (the bento's digest is checked).
 */
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { BentoError } from '../errors.js';

// A CommonJS default export seen from ESM (tsx) and from an esbuild CJS bundle alike.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as FormatsPlugin;

export interface AjvOptions {
  /** Report every error (for listing them), or stop at the first (what every request pays). */
  allErrors: boolean;
  /** Check each schema against the meta-schema before compiling it (the build does; a server need not). */
  checkSchemas: boolean;
}

/** An ajv instance for API schemas. */
export function makeAjv(o: AjvOptions): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: o.allErrors, validateSchema: o.checkSchemas, strict: false, coerceTypes: false, useDefaults: false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

let checker: Ajv2020 | undefined;

/** A pointer into a schema as a person reads it: `/items/properties/Distance (km)/type`. */
function pointer(e: ErrorObject): string {
  const at = e.instancePath.replace(/~1/g, '/').replace(/~0/g, '~');
  return at || '/';
}

/**
 * The one error to show for a schema that fails the meta-schema: the deepest place (ajv also reports each
 * enclosing `anyOf` that failed because of it), and there the most specific message (an enum's allowed values).
 */
function mainError(errors: readonly ErrorObject[]): { path: string; message: string } {
  if (errors.length === 0) return { path: '/', message: 'is not valid' };
  const deepest = Math.max(...errors.map((e) => e.instancePath.length));
  const here = errors.filter((e) => e.instancePath.length === deepest);
  const e = here.find((x) => x.keyword === 'enum') ?? here[0]!;
  const allowed = e.keyword === 'enum' ? (e.params as { allowedValues?: unknown[] }).allowedValues : undefined;
  const message = allowed ? `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}` : (e.message ?? 'is not valid');
  return { path: pointer(e), message };
}

/**
 * Checks that `schema` is JSON Schema 2020-12 that the server can compile into a validator; throws BAD_CONFIG
 * naming `where` (e.g. `service "x", api "predict": input schema`), the place in the schema and what is wrong.
 */
export function checkApiSchema(schema: unknown, where: string): void {
  // (compiled once per process: the meta-schema is the ~100 ms this check moves from the server to the build)
  checker ??= makeAjv({ allErrors: true, checkSchemas: true });
  let valid: boolean;
  try {
    valid = checker.validateSchema(schema as object) as boolean;
  } catch (err) {
    // (a `$schema` naming a dialect other than 2020-12)
    throw new BentoError('BAD_CONFIG', `${where}: ${(err as Error).message} (API schemas are JSON Schema 2020-12)`);
  }
  if (!valid) {
    const { path, message } = mainError(checker.errors ?? []);
    throw new BentoError('BAD_CONFIG', `${where} at ${path}: ${message} (the schema is not valid JSON Schema 2020-12)`, [{ path, message }]);
  }
  try {
    // What the meta-schema cannot see: a $ref that leads nowhere, a pattern that is not a regular expression.
    checker.compile(schema as object);
  } catch (err) {
    throw new BentoError('BAD_CONFIG', `${where}: ${(err as Error).message}`);
  } finally {
    // Nothing kept but the meta-schemas: a rebuild (bento serve . --reload) checks the edited schema, not a
    // cached one, and an `$id` anywhere in it is free to be declared again.
    checker.removeSchema();
  }
}

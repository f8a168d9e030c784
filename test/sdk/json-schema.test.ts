// API schemas are checked once, when the service is resolved (bento build, bento serve .): a schema that is not
// JSON Schema 2020-12 the server can compile is refused naming the API and the place in the schema; every
// schema the server accepts passes, as often as a rebuild checks it.
import t from 'tap';
import { isBentoError } from '../../src/errors.js';
import { checkApiSchema, makeAjv } from '../../src/sdk/json-schema.js';
import { svc } from '../../service.js';

const WHERE = 'service "s", api "a": input schema';

function refusal(schema: unknown): { message: string; code: string; details: unknown } | undefined {
  try {
    checkApiSchema(schema, WHERE);
    return undefined;
  } catch (err) {
    if (!isBentoError(err)) throw err;
    return { message: err.message, code: err.code, details: err.details };
  }
}

t.test('schemas the server serves pass, and pass again (a rebuild checks the same $id twice)', async (t) => {
  const good = [
    svc.apis.predict!.input,
    svc.apis.predict!.output,
    { type: 'object', properties: { a: { type: ['number', 'null'] }, when: { type: 'string', format: 'date-time' } } },
    { type: 'array', items: { $ref: '#/$defs/row' }, $defs: { row: { type: 'array', items: { type: 'number' }, minItems: 2 } } },
    { $schema: 'https://json-schema.org/draft/2020-12/schema', $id: 'https://example.com/input', type: 'object' },
    { type: 'array', items: { $id: 'https://example.com/row', type: 'object' } },
  ];
  for (const schema of good) {
    t.equal(refusal(schema), undefined, JSON.stringify(schema).slice(0, 60));
    t.equal(refusal(structuredClone(schema)), undefined, 'and again, as a rebuild that imported the service afresh');
  }
  // What passed the check compiles in the server's validators (no meta-schema there) and validates as declared.
  const validate = makeAjv({ allErrors: false, checkSchemas: false }).compile(good[3]!);
  t.equal(validate([[1, 2]]), true);
  t.equal(validate([[1]]), false);
  t.equal(validate([['1', 2]]), false, 'no coercion: "1" is not a number');
});

t.test('a bad schema: BAD_CONFIG naming the API and the place, with the reason', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ type: 'array', items: { type: 'object', properties: { x: { type: 'nmber' } } } }, /^service "s", api "a": input schema at \/items\/properties\/x\/type: must be one of "array", "boolean", "integer", "null", "number", "object", "string" \(the schema is not valid JSON Schema 2020-12\)$/],
    [{ type: 'object', required: 'a' }, /^service "s", api "a": input schema at \/required: must be array /],
    [{ type: 'array', minItems: -1 }, /^service "s", api "a": input schema at \/minItems: must be >= 0 /],
    [{ type: 'array', items: { $ref: '#/$defs/nope' } }, /^service "s", api "a": input schema: can't resolve reference #\/\$defs\/nope from id #$/],
    [{ type: 'string', pattern: '([' }, /^service "s", api "a": input schema: Invalid regular expression: /],
    [{ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' }, /^service "s", api "a": input schema: no schema with key or ref "http:\/\/json-schema\.org\/draft-07\/schema#" \(API schemas are JSON Schema 2020-12\)$/],
  ];
  for (const [schema, want] of cases) {
    const r = refusal(schema);
    t.equal(r?.code, 'BAD_CONFIG', JSON.stringify(schema));
    t.match(r?.message ?? '(passed)', want);
  }
  t.same(refusal({ type: 'object', required: 'a' })?.details, [{ path: '/required', message: 'must be array' }], 'the place as a detail too');
});

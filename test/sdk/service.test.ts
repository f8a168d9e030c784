// service(): the one place a service's settings are filled with defaults and checked. Every rule, with its
// code and message: a mistake is BAD_CONFIG naming the service, the API and the key — never a TypeError.
import t, { type Test } from 'tap';
import { api, DEFAULT_BATCHING, DEFAULT_TRAFFIC, resolveApiSettings, resolveTraffic, service, type ApiOptions, type ServiceOptions } from '../../src/sdk/index.js';

const predict: ApiOptions = {
  input: { type: 'array' },
  output: { type: 'array', items: { type: 'number' } },
  preprocess: () => ({ data: new Float32Array(1), count: 1, width: 1 }),
};

function declare(over: Partial<ServiceOptions> = {}, apiOver: Record<string, unknown> = {}): ReturnType<typeof service> {
  return service({ name: 's', models: { regressor: 'm:latest' }, apis: { predict: { ...predict, ...apiOver } as ApiOptions }, ...over });
}

/** Asserts that `fn` throws BAD_CONFIG whose message matches, and no other kind of error. */
function refuses(t: Test, fn: () => unknown, message: RegExp, what: string): void {
  t.throws(fn, { name: 'BentoError', code: 'BAD_CONFIG', message }, what);
}

t.test('defaults are filled: route, model, batching, traffic', async (t) => {
  const svc = declare();
  const def = svc.apis.predict!;
  t.equal(def.route, '/predict', 'route defaults to /<api name>');
  t.equal(def.model, 'regressor', 'the only model is the default');
  t.same({ batchable: def.batchable, max_batch_size: def.max_batch_size, max_latency_ms: def.max_latency_ms }, DEFAULT_BATCHING);
  t.same(svc.traffic, DEFAULT_TRAFFIC);
  t.same(DEFAULT_BATCHING, { batchable: false, max_batch_size: 100, max_latency_ms: 1000 });
  t.same(DEFAULT_TRAFFIC, { timeout: 60, max_concurrency: 1000 });
  t.equal(svc.kind, 'bento-ts.service');
  t.equal(api(predict), predict, 'api() declares, as given');
});

t.test('given settings are kept', async (t) => {
  const svc = declare({ traffic: { timeout: 10 } }, { route: '/p', batchable: true, max_batch_size: 1, max_latency_ms: 0.5 });
  const def = svc.apis.predict!;
  t.same([def.route, def.batchable, def.max_batch_size, def.max_latency_ms], ['/p', true, 1, 0.5], 'max_batch_size 1 is allowed');
  t.same(svc.traffic, { timeout: 10, max_concurrency: 1000 });
});

t.test('the service name', async (t) => {
  refuses(t, () => declare({ name: 'Activities Model' }), /^service\(\): name must be lowercase letters.*not "Activities Model"$/, 'upper case and a space');
  refuses(t, () => declare({ name: undefined as unknown as string }), /^service\(\): name must be/, 'missing');
});

t.test('unknown keys are errors naming the key', async (t) => {
  refuses(t, () => declare({ trafic: {} } as unknown as ServiceOptions), /^service "s": trafic is not a known setting/, 'service');
  refuses(t, () => declare({}, { max_batchsize: 10 }), /^service "s", api "predict": max_batchsize is not a known setting/, 'api');
  refuses(t, () => declare({ traffic: { timeout: 1, concurrency: 3 } as never }), /^service "s": traffic\.concurrency is not a known setting/, 'traffic');
});

t.test('models', async (t) => {
  refuses(t, () => declare({ models: [] as never }), /^service "s": models must map aliases to model tags$/, 'not a mapping');
  refuses(t, () => declare({ models: { regressor: 3 } as never }), /^service "s": models\.regressor must be a model tag, not 3$/, 'not a tag');
});

t.test('routes', async (t) => {
  refuses(t, () => declare({}, { route: 'predict' }), /^service "s", api "predict": route must start with "\/", not "predict"$/, 'no leading slash');
  const twice = { a: { ...predict, route: '/x' }, b: { ...predict, route: '/x' } };
  refuses(t, () => service({ name: 's', models: { m: 'm' }, apis: twice }), /^service "s", api "b": route "\/x" is declared twice$/, 'declared twice');
});

t.test('the model alias', async (t) => {
  refuses(t, () => declare({}, { model: 'other' }), /^service "s", api "predict": model "other" is not one of the service's models \(regressor\)$/, 'unknown alias');
  refuses(t, () => declare({ models: { a: 'a', b: 'b' } }), /^service "s", api "predict": model "" is not one of the service's models \(a, b\)$/, 'no default among two');
  refuses(t, () => declare({ models: {} }), /model "" is not one of the service's models \(none\)/, 'no models at all');
  refuses(t, () => declare({ models: { a: 'a' } }, { model: 'toString' }), /model "toString"/, 'an inherited property is no alias');
  t.equal(declare({ models: { a: 'a', b: 'b' } }, { model: 'b' }).apis.predict!.model, 'b', 'named among two');
});

t.test('schemas and code', async (t) => {
  refuses(t, () => declare({}, { input: undefined }), /^service "s", api "predict": input must be a JSON Schema object$/, 'input');
  refuses(t, () => declare({}, { output: 'number' }), /^service "s", api "predict": output must be a JSON Schema object$/, 'output');
  refuses(t, () => declare({}, { preprocess: undefined }), /^service "s", api "predict": preprocess must be a function$/, 'preprocess');
  refuses(t, () => declare({}, { postprocess: {} }), /^service "s", api "predict": postprocess must be a function$/, 'postprocess');
});

t.test('batching settings', async (t) => {
  const at = /^service "s", api "predict": /;
  for (const bad of [0, -1, 1.5, Number.NaN, '10', null]) {
    refuses(t, () => declare({}, { max_batch_size: bad }), new RegExp(`${at.source}max_batch_size must be a whole number ≥ 1, not `), `max_batch_size ${String(bad)}`);
  }
  for (const bad of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '200']) {
    refuses(t, () => declare({}, { max_latency_ms: bad }), new RegExp(`${at.source}max_latency_ms must be a number of milliseconds > 0`), `max_latency_ms ${String(bad)}`);
  }
  refuses(t, () => declare({}, { batchable: 'yes' }), /^service "s", api "predict": batchable must be true or false, not "yes"$/, 'batchable');
});

t.test('traffic settings', async (t) => {
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 3e6, '10']) {
    refuses(t, () => declare({ traffic: { timeout: bad as number } }), /^service "s": traffic\.timeout must be a number of seconds > 0 and ≤ 2147483, not /, `timeout ${String(bad)}`);
  }
  for (const bad of [0, 2.5, -3, '8']) {
    refuses(t, () => declare({ traffic: { max_concurrency: bad as number } }), /^service "s": traffic\.max_concurrency must be a whole number ≥ 1, not /, `max_concurrency ${String(bad)}`);
  }
  refuses(t, () => declare({ traffic: [] as never }), /^service "s": traffic must be a mapping/, 'not a mapping');
});

t.test('an error carries the key as its one detail', async (t) => {
  try {
    declare({}, { max_batch_size: 0 });
    t.fail('expected BAD_CONFIG');
  } catch (err) {
    t.match(err, { status: 400, details: [{ path: 'max_batch_size', message: 'must be a whole number ≥ 1, not 0' }] });
    t.equal((err as { details: unknown[] }).details.length, 1);
  }
});

t.test('resolveApiSettings/resolveTraffic: given values over a base, checked by the same rules', async (t) => {
  const base = { batchable: true, max_batch_size: 1000, max_latency_ms: 200 };
  t.same(resolveApiSettings({ max_batch_size: 8 }, 'bento.yaml: api "predict"', base), { ...base, max_batch_size: 8 });
  t.same(resolveApiSettings({ route: '/p', name: 'predict' } as never, 'x', base), base, 'other keys are the caller\'s business');
  refuses(t, () => resolveApiSettings({ max_batch_size: 0 }, 'bento.yaml: api "predict"', base), /^bento\.yaml: api "predict": max_batch_size must be a whole number ≥ 1, not 0$/, 'the origin is named');
  t.same(resolveTraffic(undefined, 'x', { timeout: 10, max_concurrency: 5 }), { timeout: 10, max_concurrency: 5 }, 'no traffic keeps the base');
  refuses(t, () => resolveTraffic({ timeout: -1 }, 'bento.yaml'), /^bento\.yaml: traffic\.timeout must be/, 'the origin is named');
  t.same(resolveTraffic({ max_request_size: 2048 }, 'x'), { ...DEFAULT_TRAFFIC, max_request_size: 2048 }, 'max_request_size in bytes');
  t.notOk('max_request_size' in resolveTraffic({}, 'x'), 'unset: left out (the runtime default applies)');
  refuses(t, () => resolveTraffic({ max_request_size: 1.5 }, 'x'), /^x: traffic\.max_request_size must be a whole number ≥ 1, not 1\.5$/, 'a fraction');
  refuses(t, () => resolveTraffic({ max_request_size: 2 ** 30 }, 'x'), /^x: traffic\.max_request_size must be at most 268435456 bytes \(256 MiB\), not 1073741824$/, 'beyond 256 MiB');
});

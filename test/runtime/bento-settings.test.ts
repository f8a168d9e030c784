// A bento's bento.yaml may override its APIs' batching and its traffic settings; the runtime checks them
// with service()'s own rules (sdk/settings.ts). In-process for the rules, then a real bento entry: served
// with the bento.yaml's max_batch_size, and refusing to start on a bad value with one BAD_CONFIG line.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import { applyBentoSettings } from '../../src/runtime/load-bento.js';
import { makeBento, setApiSettings, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { alone, sample } from '../kit/http.js';
import { expected, matches, randomRecords } from '../kit/model.js';
import { svc } from '../kit/service.js';

const BATCHES = 'BENTOML_activities_model_adaptive_batch_size_count';

/** bento.yaml data with `apis`/`traffic` as given (the rest does not matter to applyBentoSettings). */
const infoWith = (apis: Array<Record<string, unknown>>, traffic?: unknown): BentoInfo => ({ apis, traffic }) as unknown as BentoInfo;

t.test('applyBentoSettings: bento.yaml values win over the code, checked by the same rules', async (t) => {
  const applied = applyBentoSettings(svc, infoWith([{ name: 'predict', max_batch_size: 7, batchable: false }], { timeout: 3 }), 'b/bento.yaml');
  t.equal(applied.apis.predict!.max_batch_size, 7);
  t.equal(applied.apis.predict!.batchable, false);
  t.equal(applied.apis.predict!.max_latency_ms, svc.apis.predict!.max_latency_ms, 'an unset key keeps the code\'s value');
  t.same(applied.traffic, { ...svc.traffic, timeout: 3 });
  t.equal(applied.apis.slow, svc.apis.slow, 'an API bento.yaml does not list is untouched');
  t.equal(svc.apis.predict!.max_batch_size, 1000, 'the service itself is not changed');

  const refused = [
    [[{ name: 'predict', max_batch_size: 0 }], undefined, /^b\/bento\.yaml: api "predict": max_batch_size must be a whole number ≥ 1, not 0$/],
    [[{ name: 'predict', max_latency_ms: '200' }], undefined, /^b\/bento\.yaml: api "predict": max_latency_ms must be a number of milliseconds > 0/],
    [[{ name: 'predict', batchable: 'yes' }], undefined, /^b\/bento\.yaml: api "predict": batchable must be true or false/],
    [[], { timeout: 0 }, /^b\/bento\.yaml: traffic\.timeout must be a number of seconds > 0/],
    [[], { max_concurrency: 1.5 }, /^b\/bento\.yaml: traffic\.max_concurrency must be a whole number ≥ 1/],
    [[], { timeout: 1, burst: 3 }, /^b\/bento\.yaml: traffic\.burst is not a known setting/],
  ] as const;
  for (const [apis, traffic, message] of refused) {
    t.throws(() => applyBentoSettings(svc, infoWith([...apis], traffic), 'b/bento.yaml'), { name: 'BentoError', code: 'BAD_CONFIG', message }, String(message));
  }
});

const bento = await makeBento(svc);
t.teardown(() => rmSync(bento.dir, { recursive: true, force: true }));
const entry = path.join(bento.dir, 'src', 'service.cjs');
const yamlFile = path.join(bento.dir, 'bento.yaml');
const original = readFileSync(yamlFile, 'utf8');

/** Rewrites the bento's bento.yaml with `predict`'s settings changed (restored after the test). */
function setPredict(t: { teardown(fn: () => void): void }, settings: Record<string, unknown>): void {
  setApiSettings(bento.dir, 'predict', settings);
  t.teardown(() => writeFileSync(yamlFile, original));
}

t.test('a bento whose bento.yaml sets max_batch_size is served with it', { timeout: 60_000 }, async (t) => {
  setPredict(t, { max_batch_size: 1 });
  const s = await spawnServer(process.execPath, [entry, '--port', '0', '--host', '127.0.0.1']);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const before = sample((await alone(`${s.url}/metrics`)).text, BATCHES, { endpoint: '/predict' })!;
  const records = randomRecords(5);
  const r = await alone(`${s.url}/predict`, 'POST', records);
  t.ok(r.status === 200 && matches(r.body, expected(bento.forest, records)), 'answered');
  const after = sample((await alone(`${s.url}/metrics`)).text, BATCHES, { endpoint: '/predict' })!;
  t.equal(after - before, 5, '5 records took 5 model calls of one row (the code says 1000)');
});

t.test('a bad value in bento.yaml refuses to start: one BAD_CONFIG line naming the file and the key, exit 1', { timeout: 60_000 }, async (t) => {
  setPredict(t, { max_batch_size: 0 });
  const r = spawnSync(process.execPath, [entry, '--port', '0'], { encoding: 'utf8' });
  t.equal(r.status, 1);
  t.equal(r.stderr, `BAD_CONFIG: ${yamlFile}: api "predict": max_batch_size must be a whole number ≥ 1, not 0\n`);
});

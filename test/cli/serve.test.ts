// `bento serve` through the real CLI (bin/bento.mjs) in child processes: a bento folder, a project folder
// served from its sources with models from the store, --reload, and a tag that does not exist.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeBento, PROJECT, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { expected, matches, randomForest, randomRecords, writeModel } from '../kit/model.js';
import { resolveFlags } from '../../src/runtime/args.js';
import { post } from '../kit/http.js';
import { svc } from '../kit/service.js';

const CLI = path.join(PROJECT, 'bin', 'bento.mjs');
const home = mkdtempSync(path.join(os.tmpdir(), 'bento-home-'));
t.teardown(() => rmSync(home, { recursive: true, force: true }));

/** A project folder of its own: an ESM package whose service.ts is the fixture service. */
function makeProject(prefix: string): string {
  const project = mkdtempSync(path.join(home, prefix));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  writeFileSync(path.join(project, 'service.ts'), `export { svc } from ${JSON.stringify(path.join(PROJECT, 'test/kit/service.ts'))};\n`);
  return project;
}

t.test('bento serve DIR runs the bento folder and forwards SIGTERM', { timeout: 60_000 }, async (t) => {
  const bento = await makeBento(svc, { root: home });
  const s = await spawnServer(process.execPath, [CLI, 'serve', bento.dir, '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home });
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const records = randomRecords(3);
  const r = await post(`${s.url}/predict`, records);
  t.ok(matches(r.body, expected(bento.forest, records)));
  s.child.kill('SIGTERM');
  t.same(await s.exited, { code: 0, signal: null }, 'the CLI exits with the server, 0');
});

t.test('bento serve (a project folder) serves its service.ts with models from the store', { timeout: 60_000 }, async (t) => {
  const project = makeProject('project-');
  const forest = randomForest(9, 5, 3);
  writeModel(path.join(home, 'models'), forest, { version: 'projectmodel0001' });
  const s = await spawnServer(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home }, project);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const records = randomRecords(4);
  const r = await post(`${s.url}/predict`, records);
  t.ok(matches(r.body, expected(forest, records)), 'the model resolved from the store');
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

t.test('bento serve . uses the model versions its bentofile pins, as bento build would', { timeout: 60_000 }, async (t) => {
  const ownHome = mkdtempSync(path.join(os.tmpdir(), 'bento-home-pin-'));
  t.teardown(() => rmSync(ownHome, { recursive: true, force: true }));
  const pinned = randomForest(21, 5, 3);
  const newer = randomForest(22, 5, 3);
  // Same creation_time (the fixture's), so the version decides: `zzzz…` is the store's latest.
  writeModel(path.join(ownHome, 'models'), pinned, { version: 'aaaapinned00001' });
  writeModel(path.join(ownHome, 'models'), newer, { version: 'zzzznewer000001' });
  const project = makeProject('pinned-');
  writeFileSync(path.join(project, 'bentofile.yaml'), 'service: service.ts:svc\nmodels:\n  - activities_regressor:aaaapinned00001\n');
  const s = await spawnServer(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: ownHome }, project);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  const records = randomRecords(6);
  const r = await post(`${s.url}/predict`, records);
  t.ok(matches(r.body, expected(pinned, records)), 'the pinned model answers');
  t.notOk(matches(r.body, expected(newer, records)), 'not the latest one');
});

t.test('bento serve . --reload restarts the server when a source changes', { timeout: 60_000 }, async (t) => {
  const project = makeProject('reload-');
  const file = path.join(project, 'service.ts');
  const s = await spawnServer(process.execPath, [CLI, 'serve', project, '--reload', '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home });
  t.teardown(() => stopServer(s));
  const firstPid = Number(s.logs.find((l) => /listening on/.test(String(l.msg)))!.pid);
  writeFileSync(file, `// changed\nexport { svc } from ${JSON.stringify(path.join(PROJECT, 'test/kit/service.ts'))};\n`);
  const again = await s.waitForLog((l) => /listening on/.test(String(l.msg)) && Number(l.pid) !== firstPid);
  t.ok(again, 'a new server process is listening');
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

t.test('a port or worker count that is not a whole decimal number is refused, not read as 0', async (t) => {
  for (const env of [{ BENTOML_PORT: '' }, { BENTOML_PORT: ' ' }, { PORT: '0x50' }]) {
    t.throws(() => resolveFlags({}, env), { code: 'BAD_ARGUMENT', message: /must be a port number/ }, JSON.stringify(env));
  }
  t.throws(() => resolveFlags({ workers: '' }, {}), { code: 'BAD_ARGUMENT', message: /--workers must be a whole number/ });
  t.equal(resolveFlags({ port: '0', workers: '2', production: true }, {}).port, 0, 'port 0 (any free port) stays allowed');
  t.throws(() => resolveFlags({ workers: '2' }, {}), { code: 'BAD_ARGUMENT', message: '--workers 2 needs --production (without it one process serves)' }, 'not silently ignored');
  t.same(resolveFlags({ workers: '2', production: true }, {}).workers, 2);
});

t.test('an unknown tag is a clear error', { timeout: 60_000 }, async (t) => {
  const r = spawnSync(process.execPath, [CLI, 'serve', 'no_such_bento'], { encoding: 'utf8', env: { ...process.env, BENTO_HOME: home } });
  t.equal(r.status, 1);
  t.match(r.stderr, /TAG_NOT_FOUND/);
  const bad = spawnSync(process.execPath, [CLI, 'serve', '--port', '99999'], { encoding: 'utf8', cwd: home, env: { ...process.env, BENTO_HOME: home } });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /BAD_ARGUMENT: --port must be a port number/);
});

import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { bento } from '../kit/cli.js';
import { tempDir } from '../kit/project.js';
import { PROJECT_DATA } from '../kit/python.js';
import { activitiesProject, poisoned, startBridge, waitJob, type RunningBridge } from './bridge-process.js';

const TOKEN = 'test-token-0123456789abcdef';
const DATA = readFileSync(PROJECT_DATA, 'utf8');

async function json(args: string[], cwd: string, home: string): Promise<any> {
  const r = await bento([...args, '-o', 'json'], { cwd, home });
  if (r.code !== 0) throw new Error(`bento ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

t.test('the loop through the bridge: auth, new data, retrain behind the gate, lineage, restarts', async (t) => {
  const project = await activitiesProject(t);
  const home = await tempDir(t, 'bento-bridge-home-');
  // what is being served: a model and its bento, made as a user does
  for (const args of [['train'], ['build']]) {
    const r = await bento(args, { cwd: project, home });
    t.equal(r.code, 0, `bento ${args[0]}: ${r.stderr}`);
  }
  const served = (await json(['list'], project, home))[0];

  let b: RunningBridge = await startBridge(project, home, { token: TOKEN });
  t.teardown(() => b.kill('SIGKILL'));
  // `bento train` stored the file it trained on as a dataset version
  const trainedOn = (await b.call('/data')).body;
  t.match(trainedOn, [{ tag: /^data:[0-9a-f]{16}$/, rows: 1000 }], 'bento train recorded its data as a version');

  // authentication
  t.equal((await b.call('/runs', { token: null })).status, 401, 'no token: 401');
  const wrong = await b.call('/models', { token: 'not-the-token-at-all-xx' });
  t.equal(wrong.status, 401, 'a wrong token: 401');
  t.equal(wrong.body.code, 'UNAUTHORIZED');
  t.equal((await b.call('/data', { token: null, body: DATA, type: 'text/csv' })).status, 401, 'nothing is written without the token');
  t.equal((await b.call('/livez', { token: null })).status, 200);
  const docs = await b.call('/docs.json', { token: null });
  t.equal(docs.status, 200);
  t.same(['/data', '/header', '/jobs/{id}', '/models', '/promote', '/retrain', '/runs', '/serving'].filter((p) => !docs.body.paths[p]), [], 'every route is documented');

  const unknown = await b.call('/retrain', { body: JSON.stringify({ tolerence: 0.1 }) });
  t.equal(unknown.status, 400, 'an unknown key is refused, not dropped');
  t.match(JSON.stringify(unknown.body), /tolerence/);
  t.same((await b.call('/jobs')).body, [], 'and no job was queued');

  const header = await b.call('/header');
  t.equal(header.body.target, 'Quality');
  t.equal(header.body.dataset, 'data');
  t.ok(header.body.columns.some((c: any) => c.name === 'Distance (km)' && c.type === 'number' && c.required));

  // malformed data: 400 naming each bad row, nothing written
  const lines = DATA.split('\n');
  const bad = [lines[0], lines[1], lines[2]!.replace(/,[^,]*$/, ',lots'), lines[3]].join('\n');
  const refused = await b.call('/data', { body: bad, type: 'text/csv' });
  t.equal(refused.status, 400);
  t.equal(refused.body.code, 'BAD_DATA');
  t.same(refused.body.details, [{ path: 'row 2', message: '"Quality" holds "lots": not a number (line 3)' }]);
  const badJson = await b.call('/data', { body: JSON.stringify([{ 'Distance (km)': 'far' }]) });
  t.equal(badJson.status, 400);
  t.ok(badJson.body.details.every((d: any) => d.path === 'row 1'));
  t.equal((await b.call('/data', { body: '[{"a":', type: 'application/json' })).status, 400, 'broken JSON: 400');
  t.same((await b.call('/data')).body, trainedOn, 'no version was written');
  t.same(await fs.readdir(path.join(home, 'datasets', 'data')), [trainedOn[0].tag.split(':')[1]], 'not even a partial one');

  // data → a version → retrain: the gate passes (the same data makes as good a model), a new bento is built.
  // The same bytes again are the version training stored: content-addressed, nothing new is written.
  const added = await b.call('/data?mode=replace', { body: DATA, type: 'text/csv' });
  t.equal(added.status, 200, JSON.stringify(added.body));
  t.match(added.body, { tag: trainedOn[0].tag, created: false, rows: 1000 });
  const queued = await b.call('/retrain', { body: JSON.stringify({ tolerance: 0.05 }) });
  t.equal(queued.status, 202);
  // Training runs in a worker thread: the bridge answers the polls while the job trains (before, it
  // answered none for the 1–3 s of training).
  let answeredWhileTraining = 0;
  const done = await waitJob(b, queued.body.id, (j) => {
    if (j.state === 'running' && j.step === 'train') answeredWhileTraining++;
    return !['queued', 'running'].includes(j.state);
  });
  t.equal(done.state, 'succeeded', JSON.stringify(done.error ?? done.log));
  t.ok(answeredWhileTraining >= 5, `the bridge answered ${answeredWhileTraining} polls while the job trained`);
  t.equal(done.result.gate.passed, true);
  t.equal(done.result.gate.served, done.result.gate.candidate, 'the same data and parameters give the served model\'s error');
  t.equal(done.result.gate.rows, 200, 'compared on the 200 validation rows');
  t.equal(done.result.dataset, added.body.tag);
  t.equal(done.result.promoted, false, 'not promoted unless asked');
  t.not(done.result.bento, `${served.name}:${served.version}`, 'a new bento');
  t.ok(done.log.some((l: any) => l.message === 'step: build'));
  const lineage = await json(['lineage', done.result.bento], project, home);
  t.equal(lineage.models[0].tag, done.result.model);
  t.equal(lineage.models[0].run.tag, done.result.run);
  t.equal(lineage.models[0].dataset.tag, added.body.tag, 'bento → model → run → dataset version');
  t.ok(lineage.models[0].missing.some((m: string) => /^code: /.test(m)), 'the project is not a git checkout: said, not guessed');
  t.ok((await b.call('/models')).body.some((m: any) => m.tag === done.result.model && m.run === done.result.run));
  t.ok((await b.call('/runs')).body.some((r: any) => `${r.name}:${r.version}` === done.result.run));

  // a deliberately bad dataset (training targets scrambled): the gate refuses, nothing is built; two jobs queue
  const bad2 = await b.call('/data?mode=replace', { body: poisoned(DATA), type: 'text/csv' });
  t.equal(bad2.status, 201);
  const models = (await b.call('/models')).body.length;
  const bentos = (await json(['list'], project, home)).length;
  const [j1, j2] = await Promise.all([1, 2].map(() => b.call('/retrain', { body: '{}' })));
  const [r1, r2] = [await waitJob(b, j1!.body.id), await waitJob(b, j2!.body.id)];
  for (const r of [r1, r2]) {
    t.equal(r.state, 'rejected', JSON.stringify(r.error ?? r.result));
    t.equal(r.result.gate.passed, false);
    t.ok(r.result.gate.candidate > r.result.gate.served * 1.05, r.result.gate.reason);
  }
  const [first, second] = r1.started < r2.started ? [r1, r2] : [r2, r1];
  t.ok(second.started >= first.finished, 'one job at a time: the second started after the first finished');
  t.equal((await b.call('/models')).body.length, models, 'a refused model is not stored');
  t.equal((await json(['list'], project, home)).length, bentos, 'nor built');
  const refusedRun = await json(['runs', 'get', r1.result.run], project, home);
  t.equal(refusedRun.model, undefined);
  t.equal(refusedRun.gate.passed, false, 'the refused run is recorded with the verdict');

  // killed mid-job: after a restart the job is failed and the stores are consistent
  const cut = await b.call('/retrain', { body: '{}' });
  // Running as the record on disk says (the bridge answers from memory a moment before it has saved; it now
  // answers while it trains, so a kill could land in that moment).
  const record = path.join(home, 'bridge', 'jobs', `${cut.body.id}.json`);
  const onDisk = async (): Promise<string | undefined> => JSON.parse(await fs.readFile(record, 'utf8').catch(() => '{}')).state;
  while ((await onDisk()) !== 'running') await new Promise((r) => setTimeout(r, 20));
  await b.kill('SIGKILL');
  b = await startBridge(project, home, { token: TOKEN });
  const after = (await b.call(`/jobs/${cut.body.id}`)).body;
  t.equal(after.state, 'failed');
  t.equal(after.error.code, 'INTERRUPTED');
  for (const args of [['models', 'list'], ['list'], ['data', 'list'], ['runs', 'list']]) {
    const r = await bento([...args, '-o', 'json'], { cwd: project, home });
    t.equal(r.code, 0, `bento ${args.join(' ')} reads every stored version: ${r.stderr}`);
  }
  t.equal((await b.call('/models')).body.length, models, 'no model from the cut-off job');
  const jobFiles = await fs.readdir(path.join(home, 'bridge', 'jobs'));
  t.same(jobFiles.filter((f) => !f.endsWith('.json')), [], 'no half-written job record');
  await b.kill();
  t.equal(b.child.exitCode, 0, 'SIGTERM: a clean exit');
});

t.test('without a token the bridge listens on loopback only', async (t) => {
  const project = await activitiesProject(t);
  const home = await tempDir(t, 'bento-bridge-home-');
  const r = await bento(['bridge', '--host', '0.0.0.0', '--port', '0'], { cwd: project, home, env: { ...process.env, BENTO_BRIDGE_TOKEN: '' } });
  t.equal(r.code, 1);
  t.match(r.stderr, /^BAD_ARGUMENT: refusing to listen on 0\.0\.0\.0 without a token/);
  const open = await startBridge(project, home);
  t.teardown(() => open.kill('SIGKILL'));
  const anon = await open.call('/data');
  t.equal(anon.status, 200, `loopback without a token: open (${JSON.stringify(anon.body)})`);
  await fs.writeFile(path.join(project, 'token'), 'short\n');
  const short = await bento(['bridge', '--port', '0', '--token-file', path.join(project, 'token')], { cwd: project, home });
  t.equal(short.code, 1);
  t.match(short.stderr, /at least 16 characters/);
});

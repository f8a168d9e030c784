// A bento copied away from the project (to a temp folder outside the repository) still runs: a plain
// `node <copy>/src/service.cjs --port P` child answers /readyz and /predict with the packaged model.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { buildBento } from '../../src/builder/build.js';
import { expectedPrediction, FILL_HEART_RATE, makeModel } from '../kit/model.js';
import { ACTIVITIES_FIXTURE, ROOT, tempDir, tempHome } from '../kit/project.js';
import { freePort } from '../kit/ports.js';

/** Runs the bento's entry with plain node (no tsx, no loaders from the test runner) from its own folder. */
function serve(bentoDir: string, port: number): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('NODE_') || k.startsWith('TAP') || k === 'BENTO_HOME') delete env[k];
  const child = spawn(process.execPath, [path.join(bentoDir, 'src/service.cjs'), '--port', String(port), '--host', '127.0.0.1'], {
    cwd: bentoDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitReady(url: string, exited: Promise<number | null>): Promise<boolean> {
  let done = false;
  void exited.then(() => (done = true));
  for (let i = 0; i < 600 && !done; i++) {
    const res = await fetch(url).catch(() => undefined);
    if (res?.status === 200) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

const row = (distance: number, heart?: number | null) => ({
  'Distance (km)': distance,
  'Average Speed (km/h)': 10,
  'Calories Burned': 500,
  'Climb (m)': 20,
  ...(heart === undefined ? {} : { 'Average Heart rate (tpm)': heart }),
  Type: 'running', // any other field is ignored
});

t.test('a bento copied outside the project serves /readyz and /predict', async (t) => {
  await tempHome(t);
  await makeModel();
  const { dir } = await buildBento({ projectDir: ACTIVITIES_FIXTURE });
  const copy = path.join(await tempDir(t, 'bento-copy-'), 'bento');
  t.notOk(copy.startsWith(ROOT), 'the copy is outside the repository');
  t.notOk(existsSync(path.join(os.tmpdir(), 'node_modules')), 'no node_modules above the copy to lean on');
  await fs.cp(dir, copy, { recursive: true });

  const port = await freePort();
  const s = serve(copy, port);
  t.teardown(() => void s.child.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  const ready = await waitReady(`${base}/readyz`, s.exited);
  t.ok(ready, 'ready');
  if (!ready) return void t.comment(s.output());

  const records = [row(5, 130), row(20, 150), row(5, null), row(50, 50), row(12)];
  const res = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
  t.equal(res.status, 200);
  const got = (await res.json()) as number[];
  // The service's preprocessing: distance clamped to ≤ 30, heart rate raised to ≥ 60, missing → training mean.
  const want = [[5, 130], [20, 150], [5, FILL_HEART_RATE], [30, 60], [12, FILL_HEART_RATE]].map(([d, h]) => expectedPrediction([d!, 10, 500, 20, h!]));
  t.same(got, want);

  const bad = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ 'Distance (km)': 1 }]) });
  t.equal(bad.status, 400, 'a record missing a feature is a 400');
  s.child.kill('SIGTERM');
  await s.exited;
});

t.test('without its env/node_modules the copy does not start (it leans on nothing else)', async (t) => {
  await tempHome(t);
  await makeModel();
  const { dir } = await buildBento({ projectDir: ACTIVITIES_FIXTURE });
  const copy = path.join(await tempDir(t, 'bento-copy-'), 'bento');
  await fs.cp(dir, copy, { recursive: true });
  await fs.rm(path.join(copy, 'env/node_modules/onnxruntime-node'), { recursive: true });
  const s = serve(copy, await freePort());
  t.teardown(() => void s.child.kill('SIGKILL'));
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([s.exited, new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), 30_000)))]);
  clearTimeout(timer);
  t.not(code, 0, 'exits with an error');
  t.not(code, 'running');
  t.match(s.output(), /onnxruntime-node/, 'says what is missing');
});

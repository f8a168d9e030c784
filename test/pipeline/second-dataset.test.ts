// A data set that is not activities trains, builds and serves with the framework as it is: only flags
// (bento train --data … --target …) and a tiny project of its own (service.ts + bentofile.yaml), through
// the real CLI in child processes with a temp BENTO_HOME.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { predict } from '../../src/forest/forest.js';
import { onnxToForest } from '../../src/onnx/read.js';
import { spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { post } from '../kit/http.js';
import { matches, rng } from '../kit/model.js';
import { freePort } from '../kit/ports.js';
import { ROOT, tempDir } from '../kit/project.js';

/** A small synthetic housing CSV: three numeric inputs, a text column the model must skip, the price. */
function housesCsv(rows: number): string {
  const rand = rng(11);
  const lines = ['rooms,area,city,age,price'];
  for (let i = 0; i < rows; i++) {
    const rooms = 1 + Math.floor(rand() * 7);
    const area = Math.round(30 + rand() * 220);
    const age = Math.floor(rand() * 90);
    const city = ['Lyon', 'Oslo', 'Porto'][i % 3]!;
    const price = Math.round(area * 3000 + rooms * 15000 - age * 800 + rand() * 20000);
    // a few holes: rows missing a feature or the target are dropped when training
    lines.push(i % 37 === 5 ? `${rooms},,${city},${age},${price}` : i % 41 === 7 ? `${rooms},${area},${city},${age},` : `${rooms},${area},${city},${age},${price}`);
  }
  return lines.join('\n') + '\n';
}

const serviceTs = `import { api, service } from ${JSON.stringify(path.join(ROOT, 'src/sdk/index.js'))};
import { recordsToRows } from ${JSON.stringify(path.join(ROOT, 'src/pipeline/preprocess.js'))};

export const svc = service({
  name: 'houses_model',
  models: { regressor: 'houses:latest' },
  apis: {
    predict: api({
      route: '/predict',
      input: { type: 'array', items: { type: 'object', required: ['rooms', 'area', 'age'] } },
      output: { type: 'array', items: { type: 'number' } },
      batchable: true,
      preprocess: recordsToRows('regressor'),
    }),
  },
});
`;

const bentofile = `service: service.ts:svc
name: houses_model
include:
  - service.ts
models:
  - houses:latest
`;

t.test('bento train --data --target, build and serve a housing data set', { timeout: 240_000 }, async (t) => {
  const home = await tempDir(t, 'bento-home-houses-');
  const project = await tempDir(t, 'bento-project-houses-');
  const csv = path.join(project, 'houses.csv');
  await fs.writeFile(csv, housesCsv(240));
  await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'houses', private: true, type: 'module' }));
  await fs.writeFile(path.join(project, 'service.ts'), serviceTs);
  await fs.writeFile(path.join(project, 'bentofile.yaml'), bentofile);

  // train: no conf in this project, so the built-in parameters
  const trained = await bento(['train', '--data', csv, '--target', 'price', '--name', 'houses', '-o', 'json'], { home, cwd: project });
  t.equal(trained.code, 0, trained.stderr);
  const tag = (JSON.parse(trained.stdout) as { tag: string }).tag;
  t.match(tag, /^houses:/);
  const got = await bento(['models', 'get', tag, '-o', 'json'], { home, cwd: project });
  t.equal(got.code, 0, got.stderr);
  const info = JSON.parse(got.stdout) as { features: string[]; preprocessing: unknown; training_data: { rows: number } };
  t.same(info.features, ['rooms', 'area', 'age'], 'every numeric column but the target, in file order (city is text)');
  t.same(info.preprocessing, { features: ['rooms', 'area', 'age'], target: 'price', rules: [{ drop_missing: ['rooms', 'area', 'age', 'price'] }], fill: {} });
  t.ok(info.training_data.rows < 240 && info.training_data.rows > 220, `rows missing a value are dropped (${info.training_data.rows} kept)`);

  const built = await bento(['build', '--project', project], { home, cwd: project });
  t.equal(built.code, 0, built.stderr);

  const port = await freePort();
  const s = await spawnServer(process.execPath, [path.join(ROOT, 'bin/bento.mjs'), 'serve', 'houses_model:latest', '--port', String(port), '--host', '127.0.0.1'], { BENTO_HOME: home }, project);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);

  const records = [
    { rooms: 3, area: 80, age: 12, city: 'Oslo' },
    { rooms: 6, area: 210.5, age: 1 },
    { rooms: 1, area: 31, age: 88, note: 'extra fields are ignored' },
  ];
  const r = await post(`${s.url}/predict`, records);
  t.equal(r.status, 200);
  // the trained forest, read back from the store, on the same rows (as float32, like onnxruntime)
  const [name, version] = tag.split(':') as [string, string];
  const forest = onnxToForest(await fs.readFile(path.join(home, 'models', name, version, 'model.onnx')));
  const rows = records.flatMap((rec) => [rec.rooms, rec.area, rec.age].map((v) => Math.fround(v)));
  const want = Array.from(predict(forest, rows, records.length), (v) => Math.fround(v));
  t.ok(matches(r.body, want), `one prediction per record, the forest's: ${JSON.stringify(r.body)} vs ${JSON.stringify(want)}`);
  t.ok((r.body as number[]).every((v) => Number.isFinite(v) && v > 0));

  const bad = await post(`${s.url}/predict`, [records[0], { rooms: 2, area: 'big', age: 3 }]);
  t.equal(bad.status, 400);
  t.same((bad.body as { details: unknown }).details, [{ path: '/1/area', message: 'must be a finite number' }], 'the record and the field are named');
  // SIGTERM: the CLI forwards it to the bento's process (a SIGKILL would leave that one running)
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

t.test('flag mistakes name the column and the file', { timeout: 60_000 }, async (t) => {
  const home = await tempDir(t, 'bento-home-houses-');
  const csv = path.join(home, 'houses.csv');
  await fs.writeFile(csv, housesCsv(40));
  const run = (...args: string[]) => bento(['train', '--data', csv, ...args], { home });

  const noTarget = await run('--target', 'cost');
  t.match(noTarget.stderr, /BAD_ARGUMENT.*--target "cost".*houses\.csv has no such column/);
  const noFeature = await run('--target', 'price', '--features', 'rooms,floor');
  t.match(noFeature.stderr, /BAD_ARGUMENT.*--features "floor".*houses\.csv/);
  const text = await run('--target', 'price', '--features', 'rooms,city');
  t.match(text.stderr, /BAD_DATA.*houses\.csv:2: column "city" holds "Lyon", not a number/);
  const noData = await bento(['train', '--target', 'price'], { home });
  t.match(noData.stderr, /BAD_ARGUMENT.*--target needs --data/);
  const noCatalog = await bento(['train'], { home });
  t.match(noCatalog.stderr, /FILE_NOT_FOUND.*catalog file not found/);
  for (const r of [noTarget, noFeature, text, noData, noCatalog]) t.not(r.code, 0);
  t.same(await fs.readdir(path.join(home, 'models')).catch(() => []), [], 'nothing was stored');
});

/**
 * Training benchmark: our `runTraining` (grid search included) against scikit-learn's GridSearchCV on
 * the same CSV, split and grid, measured in the same run. Prints both times, both validation MAEs and
 * the speed ratio.
 *
 * Usage: node --import tsx bench/train.ts [DATA.csv] [--runs 3]
 * (default data: ../shared/seed-data/DATA.csv; scikit-learn from Debian's /usr/bin/python3)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../src/pipeline/catalog.js';
import { loadParams } from '../src/pipeline/params.js';
import { runTraining } from '../src/pipeline/pipeline.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values, positionals } = parseArgs({ allowPositionals: true, options: { runs: { type: 'string', default: '3' } } });
const dataPath = positionals[0] ?? fileURLToPath(new URL('../../shared/seed-data/DATA.csv', import.meta.url));
const paramsPath = `${root}conf/base/parameters.yml`;
const catalogPath = `${root}conf/base/catalog.yml`;
const runs = Math.max(1, Number(values.runs));
const PYTHON = '/usr/bin/python3';

if (!existsSync(dataPath)) {
  console.log(`skip: no data at ${dataPath}`);
  process.exit(0);
}

const fmt = (x: number, d = 2): string => x.toFixed(d);

// ours: the first run is what `npm run train` pays (cold JIT); later runs show the warm speed
const times: number[] = [];
const dataset = await loadCatalog(catalogPath);
let ours = await runTraining({ dataPath, dataset, paramsPath });
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  ours = await runTraining({ dataPath, dataset, paramsPath });
  times.push((performance.now() - t0) / 1000);
}
// a fresh process, cold: compile + JIT warm-up included, as `npm run train` would see it
const cold = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
  const { runTraining } = await import(${JSON.stringify(`${root}src/pipeline/pipeline.ts`)});
  const { loadCatalog } = await import(${JSON.stringify(`${root}src/pipeline/catalog.ts`)});
  const dataset = await loadCatalog(${JSON.stringify(catalogPath)});
  const t0 = performance.now();
  await runTraining({ dataPath: ${JSON.stringify(dataPath)}, dataset, paramsPath: ${JSON.stringify(paramsPath)} });
  console.log((performance.now() - t0) / 1000);
`], { cwd: root, encoding: 'utf8' });
const coldSeconds = Number(cold.stdout.trim());

// the whole command the issue's bar names: npm start-up, tsx, training, ONNX export + parity check, store write
const home = mkdtempSync(path.join(tmpdir(), 'bench-train-'));
const t0 = performance.now();
const whole = spawnSync('npm', ['run', '--silent', 'train', '--', '--data', dataPath, '--params', paramsPath], {
  cwd: root, encoding: 'utf8', env: { ...process.env, BENTO_HOME: home },
});
const wholeSeconds = (performance.now() - t0) / 1000;
rmSync(home, { recursive: true, force: true });
if (whole.status !== 0) throw new Error(`npm run train failed: ${whole.stderr}`);

console.log(`data: ${dataPath} (${ours.data.rows} rows: ${ours.data.trainRows} train / ${ours.data.validationRows} validation / ${ours.data.testRows} test)`);
console.log(`command  : npm run train -- --data … (everything, store write included) ${fmt(wholeSeconds, 3)} s`);
console.log(`ours     : cold ${fmt(coldSeconds, 3)} s (fresh process), warm best ${fmt(Math.min(...times), 3)} s of ${runs}; best ${JSON.stringify({ max_depth: ours.params.max_depth, random_state: ours.params.random_state })}; validation MAE ${fmt(ours.metrics.mean_absolute_error)}, R²×100 ${fmt(ours.metrics.accuracy)}`);

if (!existsSync(PYTHON)) {
  console.log(`sklearn  : skipped (${PYTHON} not found)`);
  process.exit(0);
}
const p = await loadParams(paramsPath);
const py = spawnSync(PYTHON, [`${root}bench/sklearn_grid.py`, dataPath, JSON.stringify({ split: p.split, model: p.model, grid: p.grid, cv: { folds: p.cv.folds } })], { encoding: 'utf8' });
if (py.status !== 0) {
  console.log(`sklearn  : skipped (${py.stderr.trim().split('\n').pop()})`);
  process.exit(0);
}
const sk = JSON.parse(py.stdout) as { seconds: number; best_params: Record<string, number>; metrics: { mean_absolute_error: number; accuracy: number } };
console.log(`sklearn  : grid search ${fmt(sk.seconds, 3)} s; best ${JSON.stringify(sk.best_params)}; validation MAE ${fmt(sk.metrics.mean_absolute_error)}, R²×100 ${fmt(sk.metrics.accuracy)}`);
console.log(`ratio    : sklearn / ours = ${fmt(sk.seconds / coldSeconds, 1)}× (cold), ${fmt(sk.seconds / Math.min(...times), 1)}× (warm)`);
console.log(`bar      : whole npm run train / sklearn grid search = ${fmt(wholeSeconds / sk.seconds, 2)} (bar ≤ 1: ${wholeSeconds <= sk.seconds ? 'PASS' : 'FAIL'})`);
console.log(`MAE gap  : ${fmt(((ours.metrics.mean_absolute_error - sk.metrics.mean_absolute_error) / sk.metrics.mean_absolute_error) * 100, 3)} % (bar: ≤ 55.5 absolute, i.e. within 3 %)`);

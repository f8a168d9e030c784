/**
 * `bento build` of the activities bento: wall time, against baselines measured in the same run —
 * a bare esbuild bundle of the same entry, and a plain copy (`cp`) of the same input files.
 * Goal: a build finishes in under 2 s on the project's machines.
 *
 *   node --import tsx bench/build.ts [runs=5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { buildBento } from '../src/builder/build.js';
import { readBentofile } from '../src/builder/bentofile.js';
import { entrySource, RUNTIME_MAIN } from '../src/builder/bundle.js';
import { onnxruntimeFiles } from '../src/builder/onnxruntime-files.js';
import { listSources } from '../src/builder/sources.js';
import { getModel } from '../src/models/model-store.js';
import { makeModel } from '../test/kit/model.js';
import { median } from './stats.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 5);

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'bento-bench-'));
process.env.BENTO_HOME = home;
try {
  const model = await makeModel();
  // The real project and bentofile; a text description if the README is not written yet.
  const bentofile = path.join(home, 'bentofile.yaml');
  let text = await fs.readFile(path.join(ROOT, 'bentofile.yaml'), 'utf8');
  if (!existsSync(path.join(ROOT, 'README.md'))) text = text.replace('file:./README.md', 'activities (bench)');
  await fs.writeFile(bentofile, text);
  const opts = { projectDir: ROOT, bentofile };

  // Baseline 1: esbuild alone, the same entry (what any bundling build pays).
  const bundleOnce = () =>
    esbuild.build({
      stdin: { contents: entrySource(ROOT, path.join(ROOT, 'service.ts'), 'svc', RUNTIME_MAIN), resolveDir: ROOT, loader: 'js' },
      absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', format: 'cjs', external: ['onnxruntime-node'], write: false,
    });
  // Baseline 2: copying the same input files (sources, model, onnxruntime) into a fresh folder.
  const config = await readBentofile(bentofile);
  const sources = await listSources(ROOT, config.include ?? [], config.exclude ?? []);
  const { dir: modelDir } = await getModel(`activities_regressor:${model.version}`);
  const inputs = [
    ...sources.map((s) => path.join(ROOT, s)),
    ...(await fs.readdir(modelDir)).map((f) => path.join(modelDir, f)),
    ...(await onnxruntimeFiles()).files.map((f) => f.from),
  ];
  const copyOnce = async () => {
    const dest = await fs.mkdtemp(path.join(home, 'cp-'));
    await Promise.all(inputs.map(async (f, i) => fs.copyFile(f, path.join(dest, `${i}`))));
    await fs.rm(dest, { recursive: true });
  };

  // First build in this process: cold esbuild service, no digest cache.
  const cold = await time(() => buildBento(opts));
  const bundles: number[] = [];
  const copies: number[] = [];
  const fresh: number[] = [];
  const unchanged: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bundles.push(await time(bundleOnce));
    copies.push(await time(copyOnce));
    // A label makes each build a new version, so every run writes a whole bento.
    fresh.push(await time(() => buildBento({ ...opts, labels: { run: String(i) } })));
    unchanged.push(await time(() => buildBento({ ...opts, labels: { run: String(i) } })));
    // As a user runs it: a new `bento build` process (tsx start-up included).
    cli.push(
      await time(async () => {
        const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/bento.mjs'), 'build', '-f', bentofile, '--project', ROOT, '--label', `cli=${i}`], {
          env: { ...process.env, BENTO_HOME: home },
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(r.stderr);
      }),
    );
  }
  const base = median(bundles);
  const copy = median(copies);
  const row = (name: string, ms: number) =>
    console.log(`${name.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms   ×${(ms / base).toFixed(2)} bundle   ×${(ms / copy).toFixed(2)} cp`);
  console.log(`bento build of activities_model, ${inputs.length} input files, median of ${RUNS} runs`);
  row('baseline: bare esbuild bundle', base);
  row('baseline: cp of the same inputs', copy);
  row('build, first in process (cold)', cold);
  row('build, new version (in process)', median(fresh));
  row('build, unchanged (same version, no write)', median(unchanged));
  row('`bento build` CLI, new process, new version', median(cli));
  const worst = Math.max(cold, median(cli));
  console.log(`goal < 2000 ms: ${worst < 2000 ? 'met' : 'NOT met'} (worst of cold and CLI: ${worst.toFixed(0)} ms)`);
} finally {
  await fs.rm(home, { recursive: true, force: true });
}

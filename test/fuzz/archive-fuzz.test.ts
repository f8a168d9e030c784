// Mutated model and bento archives against import, for a bounded time: each is refused with a coded error
// (BAD_ARCHIVE, BAD_MODEL, …) or imported and then servable (the model loads and predicts, the bento passes
// its digest check); never a crash, never INTERNAL, and nothing left behind in the stores or $TMPDIR.
// FUZZ_SEED=n replays a run; FUZZ_MS sets the budget per suite (default 6 s).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import { verifyBentoSync } from '../../src/bento/bento-yaml.js';
import { exportBento } from '../../src/bento/export.js';
import { importBento } from '../../src/bento/import.js';
import { importModel } from '../../src/models/import.js';
import { exportModel } from '../../src/models/model-store.js';
import { loadSession } from '../../src/onnx/session.js';
import { bentosRoot } from '../../src/store/home.js';
import { saveTiny } from '../kit/helpers.js';
import { layBento } from '../kit/lay-bento.js';
import { tempDir, tempHome } from '../kit/project.js';
import { forBudget, leftovers, makeRand, mutate, outcome, SEED } from './fuzz-kit.js';

const BUDGET_MS = Number(process.env.FUZZ_MS ?? 6000);
t.comment(`FUZZ_SEED=${SEED}`);

/** Points $TMPDIR (where imports extract) at `dir` for the rest of the test. */
async function useTmp(t: { teardown(fn: () => unknown): void }, dir: string): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const before = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  t.teardown(() => (before === undefined ? delete process.env.TMPDIR : (process.env.TMPDIR = before)));
  return dir;
}

/** Mutations of an archive: of its raw bytes, and of the tar inside the gzip (so the tar parser sees them). */
function variants(r: () => number, bytes: Buffer): { what: string; bytes: Buffer } {
  if (bytes[0] === 0x1f && r() < 0.6) {
    const m = mutate(r, zlib.gunzipSync(bytes));
    return { what: `inner tar: ${m.what}`, bytes: zlib.gzipSync(m.bytes) };
  }
  return mutate(r, bytes);
}

for (const format of ['tar.gz', 'zip'] as const) {
  t.test(`mutated model archives (${format})`, async (t) => {
    const home = await tempHome(t);
    const dir = await tempDir(t);
    const tmp = await useTmp(t, path.join(dir, 'tmp'));
    const model = await saveTiny('tiny');
    const original = await fs.readFile(await exportModel(`tiny:${model.version}`, path.join(dir, `m.model.${format}`)));
    const r = makeRand(format === 'zip' ? 1 : 2);
    let accepted = 0;
    const n = await forBudget(400, BUDGET_MS, async (i) => {
      const m = variants(r, original);
      const file = path.join(dir, `fuzz-${i}.${format}`);
      await fs.writeFile(file, m.bytes);
      const imported = importModel(file, { name: `fuzz${i}` });
      const o = await outcome(imported, ['BAD_ARCHIVE', 'BAD_MODEL', 'BAD_TAG', 'ALREADY_EXISTS', 'BAD_ARGUMENT']);
      if (o.failure) t.fail(`${m.what}: ${o.failure}`);
      if (o.ok) {
        accepted++;
        const info = await imported;
        const session = await loadSession(path.join(home, 'models', info.name, info.version, info.model_file));
        const y = await session.run(new Float32Array(info.features.length), 1, info.features.length);
        if (y.length !== 1) t.fail(`${m.what}: imported but does not predict`);
      }
      const left = await leftovers(home, tmp);
      if (left.length) t.fail(`${m.what}: left behind ${left.join(', ')}`);
      await fs.rm(file);
    });
    t.ok(n >= 10, `${n} mutations tried, ${accepted} accepted and servable, the rest refused cleanly`);
  });

  t.test(`mutated bento archives (${format})`, async (t) => {
    const first = await tempHome(t);
    const dir = await tempDir(t);
    const model = await saveTiny('tiny');
    await layBento(bentosRoot(), { version: 'v1', model: { name: 'tiny', version: model.version } });
    await useTmp(t, path.join(dir, 'tmp'));
    const original = await fs.readFile(await exportBento('activities_model:v1', path.join(dir, `b.bento${format === 'zip' ? '.zip' : ''}`)));
    const r = makeRand(format === 'zip' ? 3 : 4);
    let accepted = 0;
    const n = await forBudget(400, BUDGET_MS, async (i) => {
      // A fresh home each time: the real bento must not be there to make every mutation a conflict.
      const home = path.join(dir, `home-${i}`);
      process.env.BENTO_HOME = home;
      const tmp = path.join(dir, `tmp-${i}`);
      await fs.mkdir(tmp);
      process.env.TMPDIR = tmp;
      const m = variants(r, original);
      const file = path.join(dir, `fuzz-${i}.${format}`);
      await fs.writeFile(file, m.bytes);
      const imported = importBento(file);
      const o = await outcome(imported, ['BAD_ARCHIVE', 'BAD_MODEL', 'BAD_TAG', 'BAD_CONFIG', 'ALREADY_EXISTS']);
      if (o.failure) t.fail(`${m.what}: ${o.failure}`);
      if (o.ok) {
        accepted++;
        const { dir: stored } = await imported;
        verifyBentoSync(stored);
      }
      const left = await leftovers(home, tmp);
      if (left.length) t.fail(`${m.what}: left behind ${left.join(', ')}`);
      await Promise.all([file, home, tmp].map((p) => fs.rm(p, { recursive: true, force: true })));
    });
    process.env.BENTO_HOME = first;
    t.ok(n >= 10, `${n} mutations tried, ${accepted} accepted and verified, the rest refused cleanly`);
  });
}

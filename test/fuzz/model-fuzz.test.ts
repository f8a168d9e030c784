// Mutated ONNX and ml-random-forest model files against `models import`, for a bounded time: refused with a
// coded error (BAD_MODEL, BAD_ARCHIVE, BAD_ARGUMENT) or imported and then servable (onnxruntime loads the
// stored file and predicts a row); never a crash, never INTERNAL, nothing left behind in the store.
// FUZZ_SEED=n replays a run; FUZZ_MS sets the budget per suite (default 6 s).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { importModel } from '../../src/models/import.js';
import { loadSession } from '../../src/onnx/session.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { chainMlRandomForest, randomForest } from '../kit/model.js';
import { tempDir, tempHome } from '../kit/project.js';
import { forBudget, leftovers, makeRand, mutate, outcome, randomInt, SEED, type Rand } from './fuzz-kit.js';

const BUDGET_MS = Number(process.env.FUZZ_MS ?? 6000);
t.comment(`FUZZ_SEED=${SEED}`);

/** Values a hostile JSON model puts where a number or a list belongs. */
const ODD = [-1, 0, 1e8, 2147483648, 1e308, -1e308, 0.5, 'x', null, true, [], {}, [[1e8]], [-1], 1e-320];

/** One structural mutation of a parsed JSON value: a number, list or key replaced, removed or nested. */
function mutateJson(r: Rand, root: unknown): string {
  const nodes: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (x: unknown): void => {
    if (nodes.length > 4000) return;
    if (Array.isArray(x)) x.forEach((v, i) => (nodes.push({ parent: x, key: i }), walk(v)));
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) nodes.push({ parent: x as Record<string, unknown>, key: k }), walk(v);
  };
  walk(root);
  const n = nodes[randomInt(r, nodes.length)]!;
  const p = n.parent as Record<string | number, unknown>;
  switch (randomInt(r, 3)) {
    case 0:
      p[n.key] = ODD[randomInt(r, ODD.length)];
      break;
    case 1:
      if (Array.isArray(n.parent)) n.parent.splice(n.key as number, 1);
      else delete p[n.key];
      break;
    default:
      p[n.key] = { left: p[n.key], right: p[n.key], splitColumn: randomInt(r, 3), splitValue: r() };
  }
  return JSON.stringify(root);
}

async function servable(t: Test, home: string, info: Awaited<ReturnType<typeof importModel>>, what: string): Promise<void> {
  const session = await loadSession(path.join(home, 'models', info.name, info.version, info.model_file));
  if (session.notRows) {
    // Not a rows model any more (import takes any model): a handler API would serve it. Zeros of each input's
    // type and shape (dynamic dims 2) are answered, or refused with a coded error, never a crash.
    // Plain zeros (empty strings), typed from the signature by runFeeds itself.
    const feeds: Record<string, { dims: number[]; data: Array<number | string> }> = {};
    for (const input of info.signature.inputs) {
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : 2));
      const n = dims.reduce((a, b) => a * b, 1);
      feeds[input.name] = { dims, data: new Array<number | string>(n).fill(input.dtype === 'string' ? '' : 0) };
    }
    const o = await outcome(session.runFeeds(feeds), ['INVALID_INPUT', 'BAD_MODEL']);
    if (o.failure) t.fail(`${what}: imported, not a rows model, and running it failed uncoded: ${o.failure}`);
    return;
  }
  const width = info.features.length;
  const y = await session.run(new Float32Array(width * 2).fill(0.5), 2, width);
  if (y.length !== 2) t.fail(`${what}: imported but does not predict`);
}

t.test('mutated ONNX models', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const original = Buffer.from(forestToOnnx(randomForest(5, 3, 4), { featureNames: ['a', 'b', 'c', 'd', 'e'] }));
  const r = makeRand(11);
  let accepted = 0;
  const n = await forBudget(500, BUDGET_MS, async (i) => {
    const m = mutate(r, original);
    const file = path.join(dir, `fuzz-${i}.onnx`);
    await fs.writeFile(file, m.bytes);
    const imported = importModel(file, { name: `fuzz${i}` });
    const o = await outcome(imported, ['BAD_MODEL', 'BAD_ARCHIVE', 'BAD_ARGUMENT']);
    if (o.failure) t.fail(`${m.what}: ${o.failure}`);
    if (o.ok) {
      accepted++;
      await servable(t, home, await imported, m.what);
    }
    const left = await leftovers(home, dir);
    if (left.length) t.fail(`${m.what}: left behind ${left.join(', ')}`);
  });
  t.ok(n >= 10, `${n} mutations tried, ${accepted} accepted and servable, the rest refused cleanly`);
});

t.test('mutated ml-random-forest JSON models', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const r = makeRand(12);
  const base = JSON.parse(chainMlRandomForest(6, '[[0, 2]]')) as unknown;
  let accepted = 0;
  const n = await forBudget(500, BUDGET_MS, async (i) => {
    let text = JSON.stringify(base);
    let what = '';
    for (let k = 1 + randomInt(r, 3); k > 0; k--) {
      text = mutateJson(r, JSON.parse(text));
      what += 'json ';
    }
    if (r() < 0.2) {
      const m = mutate(r, Buffer.from(text));
      text = m.bytes.toString('latin1');
      what += m.what;
    }
    const file = path.join(dir, `fuzz-${i}.json`);
    await fs.writeFile(file, text);
    const imported = importModel(file, { name: `fuzz${i}` });
    const o = await outcome(imported, ['BAD_MODEL', 'BAD_ARCHIVE', 'BAD_ARGUMENT']);
    if (o.failure) t.fail(`${what}: ${o.failure} (${text.slice(0, 200)})`);
    if (o.ok) {
      accepted++;
      await servable(t, home, await imported, what);
    }
    const left = await leftovers(home, dir);
    if (left.length) t.fail(`${what}: left behind ${left.join(', ')}`);
  });
  t.ok(n >= 10, `${n} mutations tried, ${accepted} accepted and servable, the rest refused cleanly`);
});

// A bento is what it was built as: an archive whose content does not give its claimed version, or whose
// name:version (or model tag) is stored with other content, is refused before anything lands; a bento
// changed after its build is refused by serve (tag or folder), its own entry, containerize and export,
// naming the file.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import YAML from 'yaml';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import { listBentos } from '../../src/bento/bento-store.js';
import { stringifyBentoInfo, VERIFIED_ENV, verifyBentoSync } from '../../src/bento/bento-yaml.js';
import { contentVersion } from '../../src/bento/content-version.js';
import { exportBento } from '../../src/bento/export.js';
import { importBento } from '../../src/bento/import.js';
import { locateBento } from '../../src/bento/locate.js';
import { buildBento } from '../../src/builder/build.js';
import { containerize } from '../../src/containerize/containerize.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { listModels } from '../../src/models/model-store.js';
import { stringifyModelInfo } from '../../src/models/model-yaml.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { readBento } from '../../src/runtime/load-bento.js';
import { extractArchive, writeTarGz } from '../../src/store/archive.js';
import { splitExactTag } from '../../src/store/tag.js';
import { bento } from '../kit/cli.js';
import { rejectsWith } from '../kit/helpers.js';
import { FEATURES, makeModel, testForest } from '../kit/model.js';
import { copyActivitiesProject, tempDir, tempHome } from '../kit/project.js';

const sha = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');

// Every test gets its own digest cache, so none depends on what another hashed.
t.beforeEach(async (t) => {
  const before = process.env.BENTO_DIGEST_CACHE;
  process.env.BENTO_DIGEST_CACHE = path.join(await tempDir(t), 'digests.json');
  delete process.env[VERIFIED_ENV];
  t.teardown(() => (before === undefined ? delete process.env.BENTO_DIGEST_CACHE : (process.env.BENTO_DIGEST_CACHE = before)));
});

/** Builds the activities bento (with `version` if given) in a fresh home and exports it. */
async function exported(t: Test, version?: string) {
  const home = await tempHome(t);
  const model = await makeModel();
  const built = await buildBento({ projectDir: await copyActivitiesProject(t), ...(version ? { version } : {}) });
  const file = await exportBento(built.tag, path.join(await tempDir(t), 'real.bento'));
  return { home, model, built, file };
}

/**
 * The archive re-packed with another model under the same model tag, every digest rewritten to match
 * (model.yaml's, bento.yaml's files and models), as a forger would; `version` rewritten when given.
 */
async function forge(t: Test, file: string, opts: { version?: string } = {}): Promise<string> {
  const dir = path.join(await tempDir(t), 'forged');
  await extractArchive(file, dir);
  const info = YAML.parse(await fs.readFile(path.join(dir, 'bento.yaml'), 'utf8')) as BentoInfo;
  const { name, version } = splitExactTag(info.models[0]!.tag);
  const mdir = `models/${name}/${version}`;
  const onnx = forestToOnnx(testForest(100), { featureNames: [...FEATURES] }); // predicts 100 more
  await fs.writeFile(path.join(dir, mdir, 'model.onnx'), onnx);
  const model = YAML.parse(await fs.readFile(path.join(dir, mdir, 'model.yaml'), 'utf8')) as ModelInfo;
  model.files['model.onnx'] = sha(onnx);
  const modelYaml = stringifyModelInfo(model);
  await fs.writeFile(path.join(dir, mdir, 'model.yaml'), modelYaml);
  info.files[`${mdir}/model.onnx`] = sha(onnx);
  info.files[`${mdir}/model.yaml`] = sha(modelYaml);
  info.models[0]!.digest = `sha256:${sha(onnx)}`;
  if (opts.version) info.version = opts.version;
  await fs.writeFile(path.join(dir, 'bento.yaml'), stringifyBentoInfo(info));
  const out = path.join(path.dirname(dir), 'forged.bento');
  await writeTarGz(dir, out);
  return out;
}

t.test('a forged archive claiming a real content version is refused: its content gives another', async (t) => {
  const { file, built } = await exported(t);
  const forged = await forge(t, file);
  const home = await tempHome(t);
  await rejectsWith(t, importBento(forged), 'BAD_ARCHIVE', 'forged.bento', `not the ${built.info.version} it claims`);
  t.same(await fs.readdir(home).catch(() => []), [], 'nothing landed');
  t.equal((await importBento(file)).tag, built.tag, 'the real one imports');
});

t.test('a forged archive with a given version: a conflict with the real one, whichever comes first; no model tag is poisoned', async (t) => {
  const { file } = await exported(t, 'v1');
  const forged = await forge(t, file);

  await tempHome(t);
  t.ok((await importBento(forged)).created, 'into an empty store, nothing to tell it from');
  const real = await importBento(file).catch((e: unknown) => e);
  t.match(real, { code: 'ALREADY_EXISTS', message: /conflict: bento activities_model:v1 is already in the store with other content/ }, 'the real one is not "kept" as if it were the same');

  await tempHome(t);
  await importBento(file);
  const [bentosBefore, modelsBefore] = [await listBentos(), await listModels()];
  await rejectsWith(t, importBento(forged), 'ALREADY_EXISTS', 'conflict: bento activities_model:v1');
  // Same model tag, another bento version: the model is the conflict.
  const forgedV2 = await forge(t, file, { version: 'v2' });
  await rejectsWith(t, importBento(forgedV2), 'ALREADY_EXISTS', /conflict: model activities_regressor:\w+ is already in the store with other content/);
  t.same(await listBentos(), bentosBefore, 'no bento landed');
  t.same(await listModels(), modelsBefore, 'the model store is as it was');
});

t.test('bento.yaml is checked in full: the entry and every path must be files of the bento', async (t) => {
  const { file } = await exported(t, 'v1');
  const cases: Array<[string, (info: BentoInfo) => void, RegExp]> = [
    ['an entry outside the bento', (i) => (i.runtime.entry = '../../../../../../tmp/x.cjs'), /runtime\/entry is not a relative path inside the bento/],
    ['an entry that is not one of its files', (i) => (i.runtime.entry = 'src/other.cjs'), /runtime\/entry names "src\/other\.cjs", which is not one of the bento's files/],
    ['a model digest that is not its model.onnx', (i) => (i.models[0]!.digest = `sha256:${'0'.repeat(64)}`), /models\/0\/digest/],
    ['a label with a newline', (i) => (i.labels.x = 'a\nRUN evil'), /labels\/x is not one line/],
    ['a base image with a newline', (i) => (i.docker.base_image = 'node:20\nRUN evil'), /docker\/base_image/],
  ];
  const dir = await tempDir(t);
  for (const [what, edit, message] of cases) {
    const unpacked = path.join(dir, what.replace(/\W+/g, '-'));
    await extractArchive(file, unpacked);
    const info = YAML.parse(await fs.readFile(path.join(unpacked, 'bento.yaml'), 'utf8')) as BentoInfo;
    edit(info);
    await fs.writeFile(path.join(unpacked, 'bento.yaml'), YAML.stringify(info));
    const out = `${unpacked}.bento`;
    await writeTarGz(unpacked, out);
    const home = await tempHome(t);
    await rejectsWith(t, importBento(out), 'BAD_ARCHIVE', message);
    t.same(await fs.readdir(home), [], `${what}: nothing landed`);
  }
});

t.test('a bento changed after its build is refused by locate (serve, containerize), its entry and export, naming the file', async (t) => {
  const { built } = await exported(t);
  const { dir, info } = await locateBento(built.tag);
  t.equal(info.version, built.info.version, 'an untouched bento passes');
  t.equal(readBento(dir).info.version, built.info.version);
  const { name, version } = splitExactTag(info.models[0]!.tag);
  const onnx = path.join(dir, 'models', name, version, 'model.onnx');
  const original = await fs.readFile(onnx);

  // A model swapped for one of the same size, its mtime restored: only the content tells.
  const swapped = Buffer.from(original);
  swapped[swapped.length - 5] ^= 0xff;
  const { mtime } = await fs.stat(onnx);
  await fs.writeFile(onnx, swapped);
  await fs.utimes(onnx, mtime, mtime);
  const changed = `models/${name}/${version}/model.onnx`;
  await rejectsWith(t, locateBento(built.tag), 'BENTO_CHANGED', `"${changed}" was changed after the bento was built`);
  await rejectsWith(t, locateBento(dir), 'BENTO_CHANGED', changed);
  await rejectsWith(t, () => readBento(dir), 'BENTO_CHANGED', changed);
  await rejectsWith(t, exportBento(built.tag, path.join(await tempDir(t), 'x.bento')), 'BENTO_CHANGED', changed);
  await rejectsWith(t, containerize({ bento: built.tag }), 'BENTO_CHANGED', changed);
  await fs.writeFile(onnx, original);
  t.equal(verifyBentoSync(dir).version, built.info.version, 'restored, it passes again');

  await fs.appendFile(path.join(dir, 'src/service.cjs'), '\n// one more line\n');
  await rejectsWith(t, locateBento(built.tag), 'BENTO_CHANGED', '"src/service.cjs" was changed');
  await fs.writeFile(path.join(dir, 'src/service.cjs'), (await fs.readFile(path.join(dir, 'src/service.cjs'), 'utf8')).replace('\n// one more line\n', ''));
  await fs.writeFile(path.join(dir, 'models', name, version, 'extra.bin'), 'x');
  await rejectsWith(t, () => readBento(dir), 'BENTO_CHANGED', `unexpected file "models/${name}/${version}/extra.bin"`);
  await fs.rm(path.join(dir, 'models', name, version, 'extra.bin'));
  await fs.rm(path.join(dir, 'README.md'));
  await rejectsWith(t, locateBento(dir), 'BENTO_CHANGED', 'missing file "README.md"');
  t.equal(readBento(dir).info.version, built.info.version, 'the runtime checks what it reads (an image carries no README)');
});

t.test('`bento serve` and `node <bento>/src/service.cjs` refuse a changed bento before running any of it', async (t) => {
  const { built, home } = await exported(t);
  const dir = path.join(home, 'bentos', 'activities_model', built.info.version);
  const marker = path.join(await tempDir(t), 'ran');
  const entry = path.join(dir, 'src/service.cjs');
  const original = await fs.readFile(entry, 'utf8');
  await fs.writeFile(entry, `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n${original}`);
  const env: NodeJS.ProcessEnv = { ...process.env, BENTO_DIGEST_CACHE: 'off' };
  delete env[VERIFIED_ENV];
  for (const ref of [built.tag, dir]) {
    const r = await bento(['serve', ref, '--port', '0'], { home, env });
    t.equal(r.code, 1, `serve ${ref}: exit 1`);
    t.match(r.stderr, /^BENTO_CHANGED: .*"src\/service\.cjs" was changed after the bento was built/, 'one line naming the file');
    t.notOk(existsSync(marker), 'the changed entry never ran');
  }
  await fs.writeFile(entry, original);
  const { name, version } = splitExactTag(built.info.models[0]!.tag);
  const onnx = path.join(dir, 'models', name, version, 'model.onnx');
  await fs.writeFile(onnx, forestToOnnx(testForest(100), { featureNames: [...FEATURES] }));
  const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    import('node:child_process').then(({ spawn }) => {
      const child = spawn(process.execPath, [entry, '--port', '0'], { env: { ...env, BENTO_HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stderr }));
    });
  });
  t.equal(r.code, 1, 'the entry exits 1');
  t.match(r.stderr, new RegExp(`BENTO_CHANGED: .*"models/${name}/${version}/model\\.onnx" was changed`), 'naming the model file');
});

t.test('the content version is the digest of bento.yaml without version, time and the OpenAPI file', async (t) => {
  const { built } = await exported(t);
  t.equal(contentVersion(built.info), built.info.version);
  await rejectsWith(t, buildBento({ projectDir: await copyActivitiesProject(t), version: '0123456789abcdef' }), 'BAD_ARGUMENT', 'reserved for content-derived versions');
  const same = await buildBento({ projectDir: await copyActivitiesProject(t), version: built.info.version });
  t.equal(same.tag, built.tag, 'the content version itself may be given');
});

import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import * as tar from 'tar';
import { writeTarGz } from '../../src/store/archive.js';
import { digestTree } from '../../src/store/digest.js';
import { importModel } from '../../src/models/import.js';
import { exportModel, getModel, listModels } from '../../src/models/model-store.js';
import { tempDir, tempHome } from '../kit/project.js';
import { makeTar } from '../kit/archives.js';
import { rejectsWith, saveTiny } from '../kit/helpers.js';

/** Every path under `dir` (to show a store is unchanged), or [] when it does not exist. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string, rel: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      out.push(`${rel}${e.name}`);
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
    }
  }
  await walk(dir, '');
  return out.sort();
}

t.test('saveModel stores model.onnx, extra files and their digests in model.yaml', async (t) => {
  const home = await tempHome(t);
  const info = await saveTiny();
  const { dir } = await getModel('tiny');
  t.equal(dir, path.join(home, 'models', 'tiny', info.version));
  t.same(Object.keys(info.files), ['charts/importance.svg', 'model.onnx']);
  t.same(info.files, await digestTree(dir, { exclude: ['model.yaml'] }));
  t.equal(info.model_file, 'model.onnx');
  const again = (await getModel(`tiny:${info.version.slice(0, 12)}`)).info;
  t.same(again, info, 'model.yaml reads back as saved (prefix resolves)');
  const second = await saveTiny();
  t.same((await listModels()).map((m) => m.info.version), [second.version, info.version], 'newest first');
  t.equal((await getModel('tiny:latest')).info.version, second.version);
});

t.test('export → import into an empty BENTO_HOME: same files, same digests, same metadata', async (t) => {
  await tempHome(t);
  const out = await tempDir(t);
  const info = await saveTiny();
  const { dir } = await getModel('tiny');
  const file = await exportModel('tiny', path.join(out, 'tiny.model.tar.gz'));
  t.equal(file, path.join(out, 'tiny.model.tar.gz'));
  const again = await exportModel('tiny', path.join(out, 'again.model.tar.gz'));
  t.ok((await fs.readFile(file)).equals(await fs.readFile(again)), 'two exports are byte-identical');

  const home2 = await tempHome(t);
  const imported = await importModel(file);
  t.same(imported, info, 'same model.yaml content (name, version, creation time, digests, statistics)');
  const dir2 = path.join(home2, 'models', 'tiny', info.version);
  t.same(await digestTree(dir2, { exclude: ['model.yaml'] }), await digestTree(dir, { exclude: ['model.yaml'] }));
  t.ok((await fs.readFile(path.join(dir2, 'model.onnx'))).equals(await fs.readFile(path.join(dir, 'model.onnx'))));

  const before = await snapshot(path.join(home2, 'models'));
  t.same(await importModel(file), info, 'importing an existing version keeps it and returns it');
  t.same(await snapshot(path.join(home2, 'models')), before);

  const renamed = await importModel(file, { name: 'tiny_copy' });
  t.equal(renamed.name, 'tiny_copy');
  t.equal(renamed.version, info.version);
  t.same(renamed.files, info.files);
  await rejectsWith(t, importModel(file, { features: ['a', 'b'] }), 'BAD_ARGUMENT', '--features');
});

t.test('zip export round-trips too', async (t) => {
  await tempHome(t);
  const out = await tempDir(t);
  const info = await saveTiny();
  const file = await exportModel('tiny', path.join(out, 'tiny.zip'));
  t.same((await fs.readFile(file)).subarray(0, 4), Buffer.from([0x50, 0x4b, 0x03, 0x04]), 'a zip');
  await tempHome(t);
  t.same(await importModel(file), info);
});

t.test('export defaults to ./<name>-<version>.model.tar.gz', async (t) => {
  await tempHome(t);
  const out = await tempDir(t);
  const info = await saveTiny();
  const cwd = process.cwd();
  process.chdir(out);
  t.teardown(() => process.chdir(cwd));
  const file = await exportModel(`tiny:${info.version}`);
  t.equal(file, path.join(await fs.realpath(out), `tiny-${info.version}.model.tar.gz`));
  t.ok((await fs.stat(file)).size > 0);
});

t.test('bad model archives are refused with BAD_ARCHIVE and leave the store unchanged', async (t) => {
  await tempHome(t);
  const work = await tempDir(t);
  const info = await saveTiny();
  const exported = await exportModel('tiny', path.join(work, 'good.tar.gz'));
  // An unpacked copy of the good archive to tamper with.
  const unpacked = path.join(work, 'unpacked');
  await fs.mkdir(unpacked);
  await tar.x({ file: exported, cwd: unpacked });
  const modelDir = path.join(unpacked, 'tiny', info.version);

  async function variant(name: string, change: (dir: string) => Promise<void>): Promise<string> {
    const copy = path.join(work, `v-${name}`);
    await fs.cp(unpacked, copy, { recursive: true });
    await change(path.join(copy, 'tiny', info.version));
    const file = path.join(work, `${name}.tar.gz`);
    await writeTarGz(copy, file);
    return file;
  }
  const tampered = await variant('tampered', async (d) => {
    const onnx = await fs.readFile(path.join(d, 'model.onnx'));
    onnx[onnx.length - 1] ^= 0xff;
    await fs.writeFile(path.join(d, 'model.onnx'), onnx);
  });
  const extra = await variant('extra', (d) => fs.writeFile(path.join(d, 'payload.js'), 'process.exit(1)'));
  const missingFile = await variant('missing', (d) => fs.rm(path.join(d, 'charts'), { recursive: true }));
  const noYaml = await variant('noyaml', (d) => fs.rm(path.join(d, 'model.yaml')));
  const yaml = await fs.readFile(path.join(modelDir, 'model.yaml'));
  const notArchive = path.join(work, 'notes.txt');
  await fs.writeFile(notArchive, 'this is not an archive at all\n');
  const dotdot = path.join(work, 'dotdot.tar.gz');
  await fs.writeFile(dotdot, makeTar([
    { path: `tiny/${info.version}/model.yaml`, body: yaml },
    { path: `tiny/${info.version}/../../../escape.txt`, body: 'x' },
  ]));
  const absolute = path.join(work, 'absolute.tar.gz');
  await fs.writeFile(absolute, makeTar([{ path: `${work}/abs-escape.txt`, body: 'x' }, { path: `tiny/${info.version}/model.yaml`, body: yaml }]));
  const link = path.join(work, 'link.tar.gz');
  await fs.writeFile(link, makeTar([
    { path: `tiny/${info.version}/model.yaml`, body: yaml },
    { path: `tiny/${info.version}/model.onnx`, type: 'SymbolicLink', linkpath: '../../../../../etc/passwd' },
  ]));

  const cases: Array<[string, string, string[]]> = [
    ['tampered file', tampered, ['digest mismatch', '"model.onnx"']],
    ['added file', extra, ['unexpected file', '"payload.js"']],
    ['missing file', missingFile, ['missing file', '"charts/importance.svg"']],
    ['no model.yaml', noYaml, ['no model.yaml']],
    ['not an archive', notArchive, ['notes.txt', 'not a model archive']],
    ['".." entry', dotdot, ['".."', 'escape.txt']],
    ['absolute entry', absolute, ['absolute', 'abs-escape.txt']],
    ['symlink outside', link, ['"tiny/', 'outside']],
  ];
  const home2 = await tempHome(t);
  await importModel(exported, { name: 'keep' }); // something already in the store, which must stay as is
  const before = await snapshot(path.join(home2, 'models'));
  for (const [what, file, parts] of cases) {
    await rejectsWith(t, importModel(file), 'BAD_ARCHIVE', ...parts);
    t.same(await snapshot(path.join(home2, 'models')), before, `${what}: store unchanged, no temp folder left`);
  }
  t.same(await fs.readdir(work).then((l) => l.filter((f) => f.includes('escape'))), [], 'nothing escaped');
});

// Export → import round trips into an empty BENTO_HOME; every kind of bad archive is refused with
// BAD_ARCHIVE and nothing lands in the stores.
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t, { type Test } from 'tap';
import YAML from 'yaml';
import { buildBento } from '../../src/builder/build.js';
import { deleteBento, listBentos } from '../../src/bento/bento-store.js';
import { exportBento } from '../../src/bento/export.js';
import { importBento } from '../../src/bento/import.js';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import { stringifyBentoInfo, verifyBento } from '../../src/bento/bento-yaml.js';
import { extractArchive, writeTarGz } from '../../src/store/archive.js';
import { listModels } from '../../src/models/model-store.js';
import { splitExactTag } from '../../src/store/tag.js';
import { makeModel } from '../kit/model.js';
import { copyActivitiesProject, tempDir, tempHome } from '../kit/project.js';

/** A built and exported bento, and the home it was built in. */
async function exported(t: Test, format: 'tar' | 'zip' = 'tar') {
  const home = await tempHome(t);
  const model = await makeModel();
  const built = await buildBento({ projectDir: await copyActivitiesProject(t) });
  const file = await exportBento(built.tag, path.join(await tempDir(t), `x.${format}`), { format });
  return { home, model, built, file };
}

/** Everything under a folder, as relative paths (an absent folder is empty). */
async function contents(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await fs.readdir(dir, { recursive: true })).map(String).sort();
}

for (const format of ['tar', 'zip'] as const) {
  t.test(`export → import (${format}) into an empty BENTO_HOME`, async (t) => {
    const { built, file, model } = await exported(t, format);
    const home2 = await tempHome(t);
    const r = await importBento(file);
    t.equal(r.tag, built.tag);
    t.ok(r.created);
    t.equal(r.dir, path.join(home2, 'bentos', 'activities_model', built.info.version));
    t.same(r.info, built.info, 'bento.yaml as built');
    t.same(await verifyBento(r.dir), built.info, 'every digest checks out in the store');
    t.same((await listBentos()).map((b) => b.tag), [built.tag]);
    t.same(r.models, [{ tag: `activities_regressor:${model.version}`, created: true }]);
    t.same((await listModels()).map((m) => m.info.version), [model.version], "the bento's model is in the model store");

    const again = await importBento(file);
    t.notOk(again.created, 'importing again keeps what is there');
    t.same(again.models, [{ tag: `activities_regressor:${model.version}`, created: false }]);
    t.equal((await listBentos()).length, 1);
  });
}

t.test('an import whose models are already in the model store does not fail', async (t) => {
  const { built, file, model } = await exported(t);
  await deleteBento(built.tag); // same home: the model stays in the model store
  const r = await importBento(file);
  t.ok(r.created);
  t.same(r.models, [{ tag: `activities_regressor:${model.version}`, created: false }]);
});

// ---- hand-made archives ------------------------------------------------------------------------------

interface RawEntry {
  name: string;
  type?: '0' | '2' | '5';
  linkname?: string;
  data?: string;
}

/** A gzip'd ustar archive written byte by byte, so it can hold what no well-behaved writer would. */
function rawTarGz(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write(e.type === '5' ? '0000755\0' : '0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148); // checksum placeholder
    h.write(e.type ?? '0', 156);
    if (e.linkname) h.write(e.linkname, 157, 100, 'utf8');
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

const BENTO_YAML = 'name: evil\nversion: v1\ncreation_time: 2024-01-01T00:00:00Z\nmodels: []\napis: []\nruntime: {}\nfiles: {}\n';

t.test('archives that could write outside, or were tampered with, are refused and nothing lands', async (t) => {
  const { file: good, built } = await exported(t);
  const home = await tempHome(t); // an empty home: nothing may appear in it
  const dir = await tempDir(t);

  // A real export with one file changed after the fact, re-packed (digests in bento.yaml now disagree).
  const unpacked = path.join(dir, 'unpacked');
  await extractArchive(good, unpacked);
  await fs.appendFile(path.join(unpacked, 'src/service.cjs'), '\n// injected\n');
  const tampered = path.join(dir, 'tampered.bento');
  await writeTarGz(unpacked, tampered);
  // The same, with an extra file bento.yaml does not list.
  await extractArchive(good, path.join(dir, 'extra'));
  await fs.writeFile(path.join(dir, 'extra/src/backdoor.js'), 'process.exit(0)\n');
  const extra = path.join(dir, 'extra.bento');
  await writeTarGz(path.join(dir, 'extra'), extra);

  // A model.yaml that says it is another model, its digest updated so only the reader can tell.
  const renamed = path.join(dir, 'renamed');
  await extractArchive(good, renamed);
  const info = YAML.parse(await fs.readFile(path.join(renamed, 'bento.yaml'), 'utf8')) as BentoInfo;
  const { name: mname, version: mversion } = splitExactTag(info.models[0]!.tag);
  const modelYaml = `models/${mname}/${mversion}/model.yaml`;
  const text = (await fs.readFile(path.join(renamed, modelYaml), 'utf8')).replace(`name: ${mname}`, 'name: someone_else');
  await fs.writeFile(path.join(renamed, modelYaml), text);
  info.files[modelYaml] = createHash('sha256').update(text).digest('hex');
  await fs.writeFile(path.join(renamed, 'bento.yaml'), stringifyBentoInfo(info));
  const renamedFile = path.join(dir, 'renamed.bento');
  await writeTarGz(renamed, renamedFile);

  const raw: Array<[string, Buffer, RegExp]> = [
    ['absolute path', rawTarGz([{ name: 'bento.yaml', data: BENTO_YAML }, { name: '/tmp/bento-evil-absolute', data: 'x' }]), /"\/tmp\/bento-evil-absolute".*absolute/],
    ['.. segment', rawTarGz([{ name: 'bento.yaml', data: BENTO_YAML }, { name: 'src/../../bento-evil-dotdot', data: 'x' }]), /bento-evil-dotdot.*"\.\."/],
    ['symlink outside', rawTarGz([{ name: 'bento.yaml', data: BENTO_YAML }, { name: 'src', type: '5' }, { name: 'src/link', type: '2', linkname: '../../../../etc/passwd' }]), /"src\/link".*outside/],
    ['absolute symlink', rawTarGz([{ name: 'bento.yaml', data: BENTO_YAML }, { name: 'link', type: '2', linkname: '/etc/passwd' }]), /"link".*\/etc\/passwd/],
  ];
  const cases: Array<[string, string, RegExp]> = [
    ['tampered file digest', tampered, /digest mismatch for "src\/service\.cjs"/],
    ['file not listed in bento.yaml', extra, /unexpected file "src\/backdoor\.js"/],
    ['a model.yaml naming another model', renamedFile, /model\.yaml says someone_else:/],
  ];
  for (const [what, bytes, names] of raw) {
    const f = path.join(dir, `${what.replace(/\W+/g, '-')}.bento`);
    await fs.writeFile(f, bytes);
    cases.push([what, f, names]);
  }
  const notAnArchive = path.join(dir, 'not-an-archive.bento');
  await fs.writeFile(notAnArchive, 'hello');
  cases.push(['not an archive', notAnArchive, /not an archive/]);
  const noInfo = path.join(dir, 'no-bento-yaml.bento');
  await fs.writeFile(noInfo, rawTarGz([{ name: 'README.md', data: 'hi' }]));
  cases.push(['no bento.yaml', noInfo, /no bento\.yaml/]);
  const badName = path.join(dir, 'bad-name.bento');
  await fs.writeFile(badName, rawTarGz([{ name: 'bento.yaml', data: BENTO_YAML.replace('name: evil', 'name: ../../evil') }]));
  cases.push(['a name that is a path', badName, /name/]);

  for (const [what, file, names] of cases) {
    await t.rejects(importBento(file), { code: 'BAD_ARCHIVE', message: names }, what);
    t.same(await contents(path.join(home, 'bentos')), [], `${what}: no bento written`);
    t.same(await contents(path.join(home, 'models')), [], `${what}: no model written`);
  }
  t.notOk(existsSync('/tmp/bento-evil-absolute'), 'nothing written at the absolute path');
  t.notOk(existsSync(path.join(dir, '..', 'bento-evil-dotdot')), 'nothing written above the folder');

  // And the untouched export still imports.
  t.equal((await importBento(good)).tag, built.tag);
});

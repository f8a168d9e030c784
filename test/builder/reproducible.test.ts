// Versions come from the content: unchanged inputs → the same version and one stored copy; any change
// (model, code, bentofile, labels) → a new version. Two exports of one bento are byte-identical.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildBento } from '../../src/builder/build.js';
import { listBentos } from '../../src/bento/bento-store.js';
import { exportBento } from '../../src/bento/export.js';
import { makeModel } from '../kit/model.js';
import { copyActivitiesProject, tempDir, tempHome } from '../kit/project.js';

t.test('two builds of unchanged inputs give one version and one copy', async (t) => {
  await tempHome(t);
  await makeModel();
  const project = await copyActivitiesProject(t);
  const first = await buildBento({ projectDir: project });
  const second = await buildBento({ projectDir: project });
  t.equal(second.tag, first.tag);
  t.ok(first.created);
  t.notOk(second.created, 'the second build stores nothing');
  t.equal(second.info.creation_time, first.info.creation_time, 'the stored bento is untouched');
  t.same((await listBentos()).map((b) => b.tag), [first.tag]);
  const versions = await fs.readdir(path.dirname(first.dir));
  t.same(versions, [first.info.version], 'no temporary folder left beside it');
});

t.test('a changed model, code, bentofile or label gives a new version', async (t) => {
  await tempHome(t);
  await makeModel();
  const project = await copyActivitiesProject(t);
  const base = await buildBento({ projectDir: project });
  const tags = new Set([base.tag]);
  const rebuild = async (what: string): Promise<void> => {
    const r = await buildBento({ projectDir: project });
    t.ok(r.created, `${what}: stored`);
    t.notOk(tags.has(r.tag), `${what}: new version ${r.tag}`);
    tags.add(r.tag);
  };

  await makeModel({ offset: 1 }); // a newer activities_regressor: latest moves
  await rebuild('changed model');

  // Code that only the bundle sees (include names no .ts file).
  const bentofile = path.join(project, 'bentofile.yaml');
  await fs.writeFile(bentofile, (await fs.readFile(bentofile, 'utf8')).replace("  - service.ts\n", ''));
  await rebuild('include changed');
  await fs.appendFile(path.join(project, 'service.ts'), 'export const extra = 42;\n');
  const code = await buildBento({ projectDir: project });
  t.notOk(tags.has(code.tag), 'changed code: new version');
  t.ok(!Object.keys(code.info.files).includes('src/service.ts'), 'the change reached the bento through the bundle only');
  tags.add(code.tag);

  await fs.writeFile(bentofile, (await fs.readFile(bentofile, 'utf8')).replace('stage: dev', 'stage: prod'));
  await rebuild('changed bentofile label');

  const labelled = await buildBento({ projectDir: project, labels: { reviewed: 'yes' } });
  t.notOk(tags.has(labelled.tag), '--label: new version');
  t.same(labelled.info.labels, { owner: 'tests', reviewed: 'yes', stage: 'prod' });

  // Back to the same inputs as a previous build: that version again, nothing new stored.
  const again = await buildBento({ projectDir: project });
  t.notOk(again.created);
  t.ok(tags.has(again.tag));
  t.equal((await listBentos()).length, tags.size + 1);
});

t.test('--version names the version; reusing it for other content is refused', async (t) => {
  await tempHome(t);
  await makeModel();
  const project = await copyActivitiesProject(t);
  const r = await buildBento({ projectDir: project, version: 'v1' });
  t.equal(r.tag, 'activities_model:v1');
  t.notOk((await buildBento({ projectDir: project, version: 'v1' })).created, 'same content, same version: kept');
  await t.rejects(buildBento({ projectDir: project, version: 'v1', labels: { other: 'x' } }), { code: 'ALREADY_EXISTS', message: /activities_model:v1/ });
  await t.rejects(buildBento({ projectDir: project, version: 'latest' }), { code: 'BAD_ARGUMENT' });
  await t.rejects(buildBento({ projectDir: project, version: '../x' }), { code: 'BAD_ARGUMENT' });
});

t.test('two exports of one bento are byte-identical (tar and zip)', async (t) => {
  await tempHome(t);
  await makeModel();
  const { tag, info } = await buildBento({ projectDir: await copyActivitiesProject(t) });
  const out = await tempDir(t);
  for (const format of ['tar', 'zip'] as const) {
    const a = await exportBento(tag, path.join(out, `a.${format}`), { format });
    const b = await exportBento(tag, path.join(out, `b.${format}`), { format });
    const [ba, bb] = [await fs.readFile(a), await fs.readFile(b)];
    t.ok(ba.length > 1000, `${format}: not empty`);
    t.ok(ba.equals(bb), `${format}: byte-identical`);
  }
  t.equal((await fs.readFile(path.join(out, 'a.tar'))).subarray(0, 2).toString('hex'), '1f8b', 'tar exports are gzip');
  t.equal((await fs.readFile(path.join(out, 'a.zip'))).subarray(0, 2).toString(), 'PK');
  // The default file name, in the current folder.
  const cwd = process.cwd();
  process.chdir(out);
  t.teardown(() => process.chdir(cwd));
  const dflt = await exportBento('activities_model');
  t.equal(dflt, path.join(await fs.realpath(out), `activities_model-${info.version}.bento`));
});

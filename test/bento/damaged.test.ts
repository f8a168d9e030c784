// One damaged entry (bento.yaml or model.yaml that does not parse, misses fields or names another tag) never
// breaks a listing: the others are listed, the damaged one is shown apart with the reason, `name:latest`
// still resolves, and asking for the damaged version says why.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { getBento, listBentos } from '../../src/bento/bento-store.js';
import { getModel } from '../../src/models/model-store.js';
import { bentosRoot } from '../../src/store/home.js';
import { bento } from '../kit/cli.js';
import { rejectsWith, saveTiny } from '../kit/helpers.js';
import { layBento } from '../kit/lay-bento.js';
import { tempHome } from '../kit/project.js';

t.test('bento list and get name:latest survive a damaged bento.yaml', async (t) => {
  const home = await tempHome(t);
  await layBento(bentosRoot(), { version: 'v1', creation_time: '2024-01-01T00:00:00.000Z' });
  const v2 = await layBento(bentosRoot(), { version: 'v2', creation_time: '2024-02-01T00:00:00.000Z' });
  const v3 = await layBento(bentosRoot(), { version: 'v3', creation_time: '2024-03-01T00:00:00.000Z' });
  const v4 = await layBento(bentosRoot(), { version: 'v4', creation_time: '2024-04-01T00:00:00.000Z' });
  await fs.writeFile(path.join(v2, 'bento.yaml'), 'name: [unclosed\n');
  await fs.writeFile(path.join(v3, 'bento.yaml'), 'name: activities_model\nversion: v3\n');
  await fs.writeFile(path.join(v4, 'bento.yaml'), (await fs.readFile(path.join(v4, 'bento.yaml'), 'utf8')).replace('version: v4', 'version: v9'));

  const listed = await listBentos();
  t.same(listed.filter((b) => !b.damaged).map((b) => b.tag), ['activities_model:v1'], 'the readable one is listed');
  const damaged = Object.fromEntries(listed.filter((b) => b.damaged).map((b) => [b.version, b.damaged!]));
  t.same(Object.keys(damaged).sort(), ['v2', 'v3', 'v4']);
  t.match(damaged.v2, /bento\.yaml is not valid YAML/);
  t.match(damaged.v3, /creation_time is missing/);
  t.match(damaged.v4, /says activities_model:v9, not activities_model:v4/);

  t.equal((await getBento('activities_model:latest')).info.version, 'v1', 'name:latest is the newest readable one');
  t.equal((await getBento('activities_model')).info.version, 'v1');
  await rejectsWith(t, getBento('activities_model:v3'), 'BAD_ARCHIVE', 'bento activities_model:v3 is damaged', 'creation_time is missing');

  const cli = await bento(['list'], { home });
  t.equal(cli.code, 0, cli.stderr);
  t.match(cli.stdout, /^TAG .*\nactivities_model:v1 /);
  t.match(cli.stdout, /activities_model:v2  DAMAGED: .*not valid YAML/);
  t.match(cli.stdout, /activities_model:v3  DAMAGED: .*creation_time is missing/);
  const json = await bento(['list', '-o', 'json'], { home });
  t.equal(json.code, 0, json.stderr);
  const rows = JSON.parse(json.stdout) as Array<{ tag: string; damaged?: string }>;
  t.same(rows.map((r) => [r.tag, Boolean(r.damaged)]), [['activities_model:v1', false], ['activities_model:v2', true], ['activities_model:v3', true], ['activities_model:v4', true]]);
  const latest = await bento(['get', 'activities_model:latest', '-o', 'json'], { home });
  t.equal(latest.code, 0, latest.stderr);
  t.equal((JSON.parse(latest.stdout) as { version: string }).version, 'v1');
  const broken = await bento(['get', 'activities_model:v3'], { home });
  t.equal(broken.code, 1);
  t.match(broken.stderr, /^BAD_ARCHIVE: bento activities_model:v3 is damaged: .*creation_time is missing\n$/, 'one line with the reason, no INTERNAL');
});

t.test('bento models list survives a damaged model.yaml', async (t) => {
  const home = await tempHome(t);
  const good = await saveTiny('tiny');
  const bad = await saveTiny('other');
  await fs.writeFile(path.join(home, 'models', 'other', bad.version, 'model.yaml'), 'name: other\n');
  const cli = await bento(['models', 'list'], { home });
  t.equal(cli.code, 0, cli.stderr);
  t.match(cli.stdout, new RegExp(`tiny:${good.version} `));
  t.match(cli.stdout, new RegExp(`other:${bad.version}  DAMAGED: .*version is missing`));
  const json = JSON.parse((await bento(['models', 'list', '-o', 'json'], { home })).stdout) as Array<{ name: string; damaged?: string }>;
  t.same(json.map((m) => [m.name, Boolean(m.damaged)]), [['tiny', false], ['other', true]]);
  t.equal((await getModel('tiny:latest')).info.version, good.version);
  await rejectsWith(t, getModel('other'), 'BAD_MODEL', `model other:${bad.version} is damaged`);
});

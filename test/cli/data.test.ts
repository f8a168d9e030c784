import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { bento } from '../kit/cli.js';
import { tempDir } from '../kit/project.js';
import { PROJECT_DATA } from '../kit/python.js';
import { activitiesProject } from '../bridge/bridge-process.js';

const ok = async (t: Test, args: string[], cwd: string, home: string): Promise<string> => {
  const r = await bento(args, { cwd, home });
  t.equal(r.code, 0, `bento ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const DATA = readFileSync(PROJECT_DATA, 'utf8');

t.test('bento data add|list|get|export, and bento lineage from bento to dataset version', async (t) => {
  const project = await activitiesProject(t);
  const home = await tempDir(t, 'bento-data-home-');
  const file = path.join(project, 'data/01_raw/DATA.csv');
  const tag = (await ok(t, ['data', 'add', file], project, home)).trim();
  t.match(tag, /^data:[0-9a-f]{16}$/);
  t.equal(await ok(t, ['data', 'add', file], project, home), `${tag} (already stored: same content)\n`);

  // a bad row: refused with the row, nothing stored
  const lines = DATA.split('\n');
  const bad = path.join(project, 'bad.csv');
  await fs.writeFile(bad, [lines[0], lines[1], lines[2]!.replace(/,[^,]*$/, ',n/a?')].join('\n'));
  const refused = await bento(['data', 'add', bad], { cwd: project, home });
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^BAD_DATA: .*bad\.csv: 1 bad row, nothing stored \(first: row 2: "Quality" holds "n\/a\?": not a number \(line 3\)\)/);
  t.equal(JSON.parse(await ok(t, ['data', 'list', '-o', 'json'], project, home)).length, 1);

  // more rows: a new version beside the first
  const more = path.join(project, 'more.csv');
  await fs.writeFile(more, DATA + lines[1] + '\n');
  const tag2 = (await ok(t, ['data', 'add', more, '--name', 'data'], project, home)).trim();
  t.not(tag2, tag);
  const list = JSON.parse(await ok(t, ['data', 'list', '-o', 'json'], project, home));
  t.same(list.map((d: any) => `${d.name}:${d.version}`), [tag2, tag], 'newest first; the first is still there');
  const info = JSON.parse(await ok(t, ['data', 'get', tag, '-o', 'json'], project, home));
  t.equal(info.rows, 1000);
  t.equal(info.schema.source, 'catalog');
  t.equal(info.profile['Calories Burned'].type, 'number');
  t.match(await ok(t, ['data', 'get', tag], project, home), /schema:\s+catalog[\s\S]*Calories Burned \(number\): \d+ values/);
  const out = path.join(project, 'out.csv');
  t.equal(await ok(t, ['data', 'export', tag, out], project, home), `${out}\n`);
  t.equal(readFileSync(out, 'utf8'), DATA, 'export gives the bytes back');

  // lineage: a model trained on that file and its bento lead back to the version (content-addressed)
  await ok(t, ['train'], project, home);
  await ok(t, ['build'], project, home);
  const l = JSON.parse(await ok(t, ['lineage', 'activities_model', '-o', 'json'], project, home));
  t.match(l.bento.tag, /^activities_model:/);
  t.equal(l.models.length, 1);
  const m = l.models[0];
  t.equal(m.alias !== undefined, true);
  t.match(m.run.tag, /^activities_regressor:/);
  t.equal(m.dataset.tag, tag, 'bento → model → run → dataset version');
  t.ok(m.missing.some((x: string) => x.startsWith('code: ')), 'no git checkout here, and it says so');
  const text = await ok(t, ['lineage', 'activities_model'], project, home);
  t.match(text, new RegExp(`^bento\\s+activities_model:\\w+.*\\n\\s+model\\s+activities_regressor:\\w+.*\\n\\s+run\\s+activities_regressor:\\w+.*\\n\\s+dataset\\s+${tag}`));
  const byModel = JSON.parse(await ok(t, ['lineage', m.tag, '-o', 'json'], project, home));
  t.equal(byModel.bento, undefined);
  t.equal(byModel.models[0].dataset.tag, tag, 'from a model tag too');
  const none = await bento(['lineage', 'nothing_here'], { cwd: project, home });
  t.equal(none.code, 1);
  t.match(none.stderr, /^TAG_NOT_FOUND: /);
});

// What `bento build` refuses up front: anything read from outside the project folder (an included link,
// `description: file:` outside), values that would break an image's Dockerfile (newlines in labels, env,
// base image), and a --version no folder can hold.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { buildBento } from '../../src/builder/build.js';
import { bento } from '../kit/cli.js';
import { rejectsWith } from '../kit/helpers.js';
import { makeModel } from '../kit/model.js';
import { copyActivitiesProject, tempDir, tempHome } from '../kit/project.js';

const BENTOFILE = (extra: string, description = 'file:./README.md'): string =>
  `service: service.ts:svc\nname: activities_model\ndescription: ${JSON.stringify(description)}\nmodels:\n  - activities_regressor:latest\n${extra}`;

t.test('a build reads nothing outside the project, and the refusal names the path', async (t) => {
  const home = await tempHome(t);
  await makeModel();
  const outside = path.join(await tempDir(t), 'secret.txt');
  await fs.writeFile(outside, 'root:x:0:0\n');

  const linked = await copyActivitiesProject(t, { 'bentofile.yaml': BENTOFILE("include: ['*.txt', 'service.ts']\n") });
  await fs.symlink(outside, path.join(linked, 'passwd.txt'));
  await rejectsWith(t, buildBento({ projectDir: linked }), 'BAD_CONFIG', 'passwd.txt is outside the project folder');

  for (const description of [`file:${outside}`, `file:../${path.basename(path.dirname(outside))}/secret.txt`, 'file:../../../../../../etc/passwd']) {
    const project = await copyActivitiesProject(t, { 'bentofile.yaml': BENTOFILE('', description) });
    await rejectsWith(t, buildBento({ projectDir: project }), 'BAD_CONFIG', '/description', 'outside the project folder');
  }
  const viaLink = await copyActivitiesProject(t, { 'bentofile.yaml': BENTOFILE('', 'file:./about.md') });
  await fs.symlink(outside, path.join(viaLink, 'about.md'));
  await rejectsWith(t, buildBento({ projectDir: viaLink }), 'BAD_CONFIG', 'about.md is outside the project folder');
  t.same(await fs.readdir(path.join(home, 'bentos')).catch(() => []), [], 'nothing was built');

  // A link that stays inside is fine.
  const inside = await copyActivitiesProject(t, { 'bentofile.yaml': BENTOFILE("include: ['*.txt', 'service.ts']\n"), 'notes/real.txt': 'ok\n' });
  await fs.symlink(path.join(inside, 'notes/real.txt'), path.join(inside, 'notes.txt'));
  const built = await buildBento({ projectDir: inside });
  t.ok(built.info.files['src/notes.txt'], 'an included link inside the project is carried');
});

t.test('newlines in labels, env values or the base image are refused at build, naming the key', async (t) => {
  await tempHome(t);
  const cases: Array<[string, RegExp]> = [
    ['labels:\n  team: "a\\nRUN rm -rf /"\n', /\/labels\/team: must be one line/],
    ['docker:\n  base_image: "node:20\\nRUN evil"\n', /\/docker\/base_image: must be one line/],
    ['docker:\n  env:\n    A: "1\\nRUN evil"\n', /\/docker\/env\/A: must be one line/],
    ['docker:\n  env: ["A=1\\nRUN evil"]\n', /\/docker\/env\/0: must look like KEY=value, on one line/],
    ['envs:\n  - { name: A, value: "x\\ry" }\n', /\/envs\/0\/value: must be one line/],
  ];
  for (const [extra, message] of cases) {
    const project = await copyActivitiesProject(t, { 'bentofile.yaml': BENTOFILE(extra) });
    await rejectsWith(t, buildBento({ projectDir: project }), 'BAD_CONFIG', message);
  }
  const project = await copyActivitiesProject(t);
  await rejectsWith(t, buildBento({ projectDir: project, labels: { team: 'a\nb' } }), 'BAD_ARGUMENT', '--label "team"', 'one line');
});

t.test('a 300-character --version is BAD_ARGUMENT, not ENAMETOOLONG', async (t) => {
  const home = await tempHome(t);
  const project = await copyActivitiesProject(t);
  await rejectsWith(t, buildBento({ projectDir: project, version: 'a'.repeat(300) }), 'BAD_ARGUMENT', '--version', 'at most 128');
  const r = await bento(['build', '--project', project, '--version', 'b'.repeat(300)], { home });
  t.equal(r.code, 1);
  t.match(r.stderr, /^BAD_ARGUMENT: --version "b{40}…": at most 128/);
  const tag = await bento(['get', `x:${'c'.repeat(300)}`], { home });
  t.equal(tag.code, 1);
  t.match(tag.stderr, /^BAD_TAG: .*at most 128 characters/);
});

// The project's stores are found from any folder inside it (`cd src && bento list`), through the real CLI:
// BENTO_HOME defaults to the nearest folder holding bentofile.yaml, else package.json; an explicit one wins.
import t from 'tap';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bento } from '../kit/cli.js';
import { randomForest, writeModel } from '../kit/model.js';
import { ROOT, tempDir } from '../kit/project.js';
import { projectRoot } from '../../src/store/home.js';

/** This process's environment without BENTO_HOME, as a user's shell has it. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.BENTO_HOME;
  return env;
}

t.test('bento models list from a subfolder sees the models of the project it is in', async (t) => {
  const project = await tempDir(t, 'bento-root-');
  writeFileSync(path.join(project, 'bentofile.yaml'), 'service: service.ts:svc\n');
  writeFileSync(path.join(project, 'package.json'), '{"name":"p","type":"module"}\n');
  writeModel(path.join(project, 'models'), randomForest(3, 2, 2), { version: 'fromroot0001' });
  const deep = path.join(project, 'src', 'lib');
  mkdirSync(deep, { recursive: true });
  // A nested package (a workspace) does not hide the bentofile's folder.
  writeFileSync(path.join(project, 'src', 'package.json'), '{"name":"inner"}\n');

  const r = await bento(['models', 'list', '-o', 'json'], { cwd: deep, env: userEnv() });
  t.equal(r.code, 0, r.stderr);
  t.same((JSON.parse(r.stdout) as Array<{ version: string }>).map((m) => m.version), ['fromroot0001']);

  const bentos = await bento(['list'], { cwd: deep, env: userEnv() });
  t.equal(bentos.code, 0, bentos.stderr);
  t.equal(bentos.stdout, `no bentos in ${path.join(project, 'bentos')}\n`, 'the bento store is the project\'s too');

  const elsewhere = await tempDir(t, 'bento-other-home-');
  const explicit = await bento(['models', 'list', '-o', 'json'], { cwd: deep, env: { ...userEnv(), BENTO_HOME: elsewhere } });
  t.equal(explicit.code, 0, explicit.stderr);
  t.same(JSON.parse(explicit.stdout), [], 'an explicit BENTO_HOME wins');
});

t.test('without a bentofile the nearest package.json marks the project; with neither, the folder itself', async (t) => {
  const project = await tempDir(t, 'bento-root-pkg-');
  writeFileSync(path.join(project, 'package.json'), '{"name":"p"}\n');
  mkdirSync(path.join(project, 'a', 'b'), { recursive: true });
  t.equal(projectRoot(path.join(project, 'a', 'b')), project);
  t.equal(projectRoot(project), project);
  // /tmp's own folders hold neither marker (the test's temp folders live there).
  const bare = await tempDir(t, 'bento-root-bare-');
  t.equal(projectRoot(path.join(bare, '.')), bare);
});

t.test('bento build from a subfolder builds the project it is in', async (t) => {
  const project = await tempDir(t, 'bento-root-build-');
  writeFileSync(path.join(project, 'bentofile.yaml'), 'service: service.ts:svc\n');
  writeFileSync(path.join(project, 'package.json'), '{"name":"p","type":"module"}\n');
  // A service that cannot load: the error shows which file the build read, without building anything.
  writeFileSync(path.join(project, 'service.ts'), 'export const svc = ;\n');
  mkdirSync(path.join(project, 'src'));
  const r = await bento(['build'], { cwd: path.join(project, 'src'), env: userEnv() });
  t.equal(r.code, 1);
  t.match(r.stderr, /^BAD_SERVICE: service\.ts:1:20: syntax error: Unexpected ";"\n/, "the project's service.ts, found from src/");
});

t.test('bento train from a subfolder trains the project\'s conf into the project\'s store', { timeout: 120_000 }, async (t) => {
  const project = await tempDir(t, 'bento-root-train-');
  writeFileSync(path.join(project, 'package.json'), '{"name":"p","type":"module"}\n');
  for (const rel of ['conf/base/catalog.yml', 'conf/base/parameters.yml', 'data/01_raw/DATA.csv']) {
    mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
    copyFileSync(path.join(ROOT, rel), path.join(project, rel));
  }
  mkdirSync(path.join(project, 'notebooks'));
  const r = await bento(['train', '-o', 'json'], { cwd: path.join(project, 'notebooks'), env: userEnv() });
  t.equal(r.code, 0, r.stderr);
  const { tag } = JSON.parse(r.stdout) as { tag: string };
  t.same(readdirSync(path.join(project, 'models', 'activities_regressor')), [tag.split(':')[1]]);
});

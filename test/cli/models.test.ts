// `bento models …` through a real child process (node bin/bento.mjs) with BENTO_HOME set.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import type { Test } from 'tap';
import { forestToOnnx } from '../../src/onnx/write.js';
import { tempHome } from '../kit/project.js';
import { bento, type CliRun } from '../kit/cli.js';
import { layBento } from '../kit/lay-bento.js';
import { saveTiny, tinyForest } from '../kit/helpers.js';

/** A failed command: exit 1, nothing on stdout, exactly one `CODE: message` line on stderr. */
function failsWith(t: Test, r: CliRun, code: string, ...parts: string[]): void {
  t.equal(r.code, 1, `exit 1 (${r.stderr.trim()})`);
  t.equal(r.stdout, '', 'nothing on stdout');
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, 'one error line');
  t.match(lines[0], new RegExp(`^${code}: `));
  for (const p of parts) t.match(lines[0], p);
}

t.test('--help works for every models command', async (t) => {
  const home = await tempHome(t);
  const cmds = ['list', 'get', 'delete', 'export', 'import'];
  const results = await Promise.all(cmds.map((cmd) => bento(['models', cmd, '--help'], { home })));
  for (const [i, cmd] of cmds.entries()) {
    const r = results[i]!;
    t.equal(r.code, 0, `${cmd} --help exits 0`);
    t.match(r.stdout, `Usage: bento models ${cmd}`);
    t.equal(r.stderr, '');
  }
});

t.test('list and get, as tables and as JSON', async (t) => {
  const home = await tempHome(t);
  const empty = await bento(['models', 'list'], { home });
  t.equal(empty.code, 0);
  t.match(empty.stdout, 'no models');
  t.same(JSON.parse((await bento(['models', 'list', '-o', 'json'], { home })).stdout), []);

  const a = await saveTiny();
  const b = await saveTiny();
  const list = await bento(['models', 'list'], { home });
  t.equal(list.code, 0);
  const lines = list.stdout.trim().split('\n');
  t.match(lines[0], /^TAG\s+SOURCE\s+MAE\s+ACCURACY\s+SIZE\s+CREATED$/);
  t.match(lines[1], new RegExp(`^tiny:${b.version}\\s+trainer\\s+53\\.20\\s+64\\.5\\s+\\d`), 'newest first, with metrics');
  t.match(lines[2], `tiny:${a.version}`);

  const json = await bento(['models', 'list', 'tiny', '--output', 'json'], { home });
  t.equal(json.code, 0);
  t.same(JSON.parse(json.stdout), [b, a], 'JSON only: the ModelInfo of each, newest first');

  const get = await bento(['models', 'get', `tiny:${a.version}`, '-o', 'json'], { home });
  t.equal(get.code, 0);
  t.same(JSON.parse(get.stdout), a, 'the whole model.yaml: metrics, params, reference statistics, digests…');

  const human = await bento(['models', 'get', 'tiny'], { home });
  t.equal(human.code, 0);
  t.match(human.stdout, `tiny:${b.version}`);
  t.match(human.stdout, /features:\s+a, b/);
  t.match(human.stdout, /mean_absolute_error=53\.2/);
  t.match(human.stdout, `model.onnx  sha256:${b.files['model.onnx']}`);
  const yaml = await bento(['models', 'get', `tiny:${a.version}`, '-o', 'yaml'], { home });
  t.equal(yaml.code, 0, yaml.stderr);
  t.same(YAML.parse(yaml.stdout), JSON.parse(get.stdout), '-o yaml: the same model.yaml, as YAML');

  let common = 0;
  while (a.version[common] === b.version[common]) common++;
  const [ambiguous, unknown, badTag, badFormat, noTag, badFlag] = await Promise.all([
    bento(['models', 'get', `tiny:${a.version.slice(0, common)}`], { home }),
    bento(['models', 'get', 'nope'], { home }),
    bento(['models', 'get', 'Nope:X'], { home }),
    bento(['models', 'list', '-o', 'yaml'], { home }),
    bento(['models', 'get'], { home }),
    bento(['models', 'list', '--bogus'], { home }),
  ]);
  failsWith(t, ambiguous, 'TAG_AMBIGUOUS', a.version, b.version);
  failsWith(t, unknown, 'TAG_NOT_FOUND', 'nope');
  failsWith(t, badTag, 'BAD_TAG', 'Nope:X');
  failsWith(t, badFormat, 'BAD_ARGUMENT', 'yaml');
  failsWith(t, noTag, 'BAD_ARGUMENT', 'models get TAG');
  failsWith(t, badFlag, 'BAD_ARGUMENT', 'bogus');
});

t.test('delete: -y needed in a pipe, refused while a bento uses the model', async (t) => {
  const home = await tempHome(t);
  const used = await saveTiny();
  const free = await saveTiny();
  failsWith(t, await bento(['models', 'delete', `tiny:${free.version}`], { home }), 'BAD_ARGUMENT', 'pass -y');
  await layBento(path.join(home, 'bentos'), { name: 'svc', version: 'v1', model: { name: 'tiny', version: used.version } });
  failsWith(t, await bento(['models', 'delete', `tiny:${used.version}`, '-y'], { home }), 'IN_USE', 'svc:v1');
  const ok = await bento(['models', 'delete', `tiny:${free.version}`, '-y'], { home });
  t.equal(ok.code, 0);
  t.equal(ok.stdout, `deleted tiny:${free.version}\n`);
  t.same(await fs.readdir(path.join(home, 'models', 'tiny')), [used.version]);
});

t.test('export prints the path; import prints the new tag', async (t) => {
  const home = await tempHome(t);
  const info = await saveTiny();
  const exp = await bento(['models', 'export', 'tiny', 'out/tiny.tgz'], { home });
  t.equal(exp.code, 0, exp.stderr);
  t.equal(exp.stdout, path.join(home, 'out', 'tiny.tgz') + '\n');
  const def = await bento(['models', 'export', 'tiny'], { home });
  t.equal(def.stdout, path.join(home, `tiny-${info.version}.model.tar.gz`) + '\n', 'default file name in the current folder');

  const home2 = await tempHome(t);
  const imp = await bento(['models', 'import', path.join(home, 'out', 'tiny.tgz')], { home: home2 });
  t.equal(imp.code, 0, imp.stderr);
  t.equal(imp.stdout, `tiny:${info.version}\n`);

  await fs.writeFile(path.join(home2, 'forest.onnx'), forestToOnnx(tinyForest(3)));
  const onnx = await bento(['models', 'import', 'forest.onnx', '--name', 'forest', '--features', 'x, y,z'], { home: home2 });
  t.equal(onnx.code, 0, onnx.stderr);
  t.match(onnx.stdout, /^forest:[0-9a-z]{16}\n$/);
  t.same(JSON.parse((await bento(['models', 'get', 'forest', '-o', 'json'], { home: home2 })).stdout).features, ['x', 'y', 'z']);
  failsWith(t, await bento(['models', 'import', 'forest.onnx', '--features', 'x,,z'], { home: home2 }), 'BAD_ARGUMENT', 'empty name');

  await fs.writeFile(path.join(home2, 'junk.bin'), 'definitely not a model');
  const [junk, missing, unknown] = await Promise.all([
    bento(['models', 'import', 'junk.bin'], { home: home2 }),
    bento(['models', 'import', 'missing.tar.gz'], { home: home2 }),
    bento(['models', 'export', 'nope'], { home: home2 }),
  ]);
  failsWith(t, junk, 'BAD_ARCHIVE', 'junk.bin');
  failsWith(t, missing, 'FILE_NOT_FOUND', 'missing.tar.gz');
  failsWith(t, unknown, 'TAG_NOT_FOUND', 'nope');
});

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

t.test('delete on a terminal asks first', { skip: hasScript ? false : 'util-linux `script` (to give the CLI a pty) is not installed' }, async (t) => {
  const home = await tempHome(t);
  const info = await saveTiny();
  const bin = path.resolve(import.meta.dirname, '../../bin/bento.mjs');
  // `script` runs the CLI on a pseudo-terminal and feeds it our stdin as typed input.
  const run = (answer: string) =>
    spawnSync('script', ['-qec', `${process.execPath} ${bin} models delete tiny`, '/dev/null'], {
      input: `${answer}\n`,
      encoding: 'utf8',
      env: { ...process.env, BENTO_HOME: home },
    });
  const no = run('n');
  t.equal(no.status, 1, 'answering no exits 1');
  t.match(no.stdout, `Delete model tiny:${info.version}? [y/N]`);
  t.match(no.stdout, 'not deleted');
  t.same(await fs.readdir(path.join(home, 'models', 'tiny')), [info.version], 'still there');
  const yes = run('y');
  t.equal(yes.status, 0);
  t.match(yes.stdout, `deleted tiny:${info.version}`);
  t.same(await fs.readdir(path.join(home, 'models')), [], 'gone');
});

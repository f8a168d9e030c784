// `bento models …` through a real child process (node bin/bento.mjs) with BENTO_HOME set.
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { forestToOnnx } from '../../src/onnx/write.js';
import { tempHome } from '../kit/project.js';
import { cli, saveTiny, tinyForest } from '../kit/helpers.js';

type Result = Awaited<ReturnType<typeof cli>>;

/** A failed command: exit 1, nothing on stdout, exactly one `CODE: message` line on stderr. */
function failsWith(t: Test, r: Result, code: string, ...parts: string[]): void {
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
  const results = await Promise.all(cmds.map((cmd) => cli(home, ['models', cmd, '--help'])));
  for (const [i, cmd] of cmds.entries()) {
    const r = results[i]!;
    t.equal(r.code, 0, `${cmd} --help exits 0`);
    t.match(r.stdout, `Usage: bento models ${cmd}`);
    t.equal(r.stderr, '');
  }
});

t.test('list and get, as tables and as JSON', async (t) => {
  const home = await tempHome(t);
  const empty = await cli(home, ['models', 'list']);
  t.equal(empty.code, 0);
  t.match(empty.stdout, 'no models');
  t.same(JSON.parse((await cli(home, ['models', 'list', '-o', 'json'])).stdout), []);

  const a = await saveTiny();
  const b = await saveTiny();
  const list = await cli(home, ['models', 'list']);
  t.equal(list.code, 0);
  const lines = list.stdout.trim().split('\n');
  t.match(lines[0], /^TAG\s+SOURCE\s+MAE\s+ACCURACY\s+SIZE\s+CREATED$/);
  t.match(lines[1], new RegExp(`^tiny:${b.version}\\s+trainer\\s+53\\.20\\s+64\\.5\\s+\\d`), 'newest first, with metrics');
  t.match(lines[2], `tiny:${a.version}`);

  const json = await cli(home, ['models', 'list', 'tiny', '--output', 'json']);
  t.equal(json.code, 0);
  t.same(JSON.parse(json.stdout), [b, a], 'JSON only: the ModelInfo of each, newest first');

  const get = await cli(home, ['models', 'get', `tiny:${a.version}`, '-o', 'json']);
  t.equal(get.code, 0);
  t.same(JSON.parse(get.stdout), a, 'the whole model.yaml: metrics, params, reference statistics, digests…');

  const human = await cli(home, ['models', 'get', 'tiny']);
  t.equal(human.code, 0);
  t.match(human.stdout, `tiny:${b.version}`);
  t.match(human.stdout, /features:\s+a, b/);
  t.match(human.stdout, /mean_absolute_error=53\.2/);
  t.match(human.stdout, `model.onnx  sha256:${b.files['model.onnx']}`);

  let common = 0;
  while (a.version[common] === b.version[common]) common++;
  const [ambiguous, unknown, badTag, badFormat, noTag, badFlag] = await Promise.all([
    cli(home, ['models', 'get', `tiny:${a.version.slice(0, common)}`]),
    cli(home, ['models', 'get', 'nope']),
    cli(home, ['models', 'get', 'Nope:X']),
    cli(home, ['models', 'list', '-o', 'yaml']),
    cli(home, ['models', 'get']),
    cli(home, ['models', 'list', '--bogus']),
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
  failsWith(t, await cli(home, ['models', 'delete', `tiny:${free.version}`]), 'BAD_ARGUMENT', 'pass -y');
  const bento = path.join(home, 'bentos', 'svc', 'v1');
  await fs.mkdir(bento, { recursive: true });
  await fs.writeFile(path.join(bento, 'bento.yaml'), `name: svc\nversion: v1\nmodels:\n  - alias: m\n    tag: "tiny:${used.version}"\n`);
  failsWith(t, await cli(home, ['models', 'delete', `tiny:${used.version}`, '-y']), 'IN_USE', 'svc:v1');
  const ok = await cli(home, ['models', 'delete', `tiny:${free.version}`, '-y']);
  t.equal(ok.code, 0);
  t.equal(ok.stdout, `deleted tiny:${free.version}\n`);
  t.same(await fs.readdir(path.join(home, 'models', 'tiny')), [used.version]);
});

t.test('export prints the path; import prints the new tag', async (t) => {
  const home = await tempHome(t);
  const info = await saveTiny();
  const exp = await cli(home, ['models', 'export', 'tiny', 'out/tiny.tgz']);
  t.equal(exp.code, 0, exp.stderr);
  t.equal(exp.stdout, path.join(home, 'out', 'tiny.tgz') + '\n');
  const def = await cli(home, ['models', 'export', 'tiny']);
  t.equal(def.stdout, path.join(home, `tiny-${info.version}.model.tar.gz`) + '\n', 'default file name in the current folder');

  const home2 = await tempHome(t);
  const imp = await cli(home2, ['models', 'import', path.join(home, 'out', 'tiny.tgz')]);
  t.equal(imp.code, 0, imp.stderr);
  t.equal(imp.stdout, `tiny:${info.version}\n`);

  await fs.writeFile(path.join(home2, 'forest.onnx'), forestToOnnx(tinyForest(3)));
  const onnx = await cli(home2, ['models', 'import', 'forest.onnx', '--name', 'forest', '--features', 'x, y,z']);
  t.equal(onnx.code, 0, onnx.stderr);
  t.match(onnx.stdout, /^forest:[0-9a-z]{16}\n$/);
  t.same(JSON.parse((await cli(home2, ['models', 'get', 'forest', '-o', 'json'])).stdout).features, ['x', 'y', 'z']);
  failsWith(t, await cli(home2, ['models', 'import', 'forest.onnx', '--features', 'x,,z']), 'BAD_ARGUMENT', 'empty name');

  await fs.writeFile(path.join(home2, 'junk.bin'), 'definitely not a model');
  const [junk, missing, unknown] = await Promise.all([
    cli(home2, ['models', 'import', 'junk.bin']),
    cli(home2, ['models', 'import', 'missing.tar.gz']),
    cli(home2, ['models', 'export', 'nope']),
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

// Habits a BentoML user brings, through the real CLI: `bento serve service.ts:svc` (BentoML's
// `bentoml serve service:Svc`) serves that export of a project file; a mistake in the service's code is told
// as a compiler tells it (file:line:column and the code frame), by `bento serve` and `bento build` alike.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT, spawnServer, stopServer, waitForStatus } from '../kit/bento.js';
import { bento } from '../kit/cli.js';
import { post } from '../kit/http.js';
import { expected, matches, randomForest, randomRecords, writeModel } from '../kit/model.js';
import { tempDir } from '../kit/project.js';

const CLI = path.join(PROJECT, 'bin', 'bento.mjs');
const SERVICE = JSON.stringify(path.join(PROJECT, 'service.js'));

/** A project of its own (an ESM package) whose model store holds one activities model. */
async function project(t: Test, files: Record<string, string>): Promise<string> {
  const dir = await tempDir(t, 'bento-serve-file-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/**
 * `bento serve SPEC` from `cwd` (BENTO_HOME `home`; '' lets the CLI find the project): ready, then `use`d,
 * then stopped by SIGTERM, which must end the CLI with exit 0.
 */
async function serveThenStop(t: Test, spec: string, cwd: string, home: string, use: (url: string) => Promise<void> = async () => {}): Promise<void> {
  const s = await spawnServer(process.execPath, [CLI, 'serve', spec, '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: home }, cwd);
  t.teardown(() => stopServer(s));
  await waitForStatus(`${s.url}/readyz`);
  await use(s.url);
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0, `bento serve ${spec} stops cleanly on SIGTERM`);
}

t.test('bento serve FILE:EXPORT (or MODULE:EXPORT) serves that export of the file, with the project\'s models', { timeout: 90_000 }, async (t) => {
  const dir = await project(t, { 'app/main.ts': `export { svc as api } from ${SERVICE};\n` });
  const forest = randomForest(5, 4, 3);
  writeModel(path.join(dir, 'models'), forest, { version: 'servefile00001' });
  // From a subfolder, as a user in their editor's terminal would: the project's store is found.
  const records = randomRecords(3);
  await serveThenStop(t, 'main.ts:api', path.join(dir, 'app'), '', async (url) => {
    t.ok(matches((await post(`${url}/predict`, records)).body, expected(forest, records)), 'the model from the project\'s store answers');
  });
  // As BentoML writes it (`bentoml serve service:Svc`): the module without its extension.
  await serveThenStop(t, 'main:api', path.join(dir, 'app'), '', async (url) => {
    t.ok(matches((await post(`${url}/predict`, records)).body, expected(forest, records)), 'main:api is app/main.ts:api');
  });
});

t.test('FILE alone serves its one service; a missing file, export or an ambiguous file is one line', { timeout: 90_000 }, async (t) => {
  const dir = await project(t, { 'one.ts': `export { svc } from ${SERVICE};\nexport const notAService = 1;\n`, 'two.ts': `export { svc, svc as other } from ${SERVICE};\n` });
  writeModel(path.join(dir, 'models'), randomForest(6, 4, 3), { version: 'servefile00002' });
  await serveThenStop(t, 'one.ts', dir, dir);

  const cases: Array<[string, RegExp]> = [
    ['nothere.ts', /^FILE_NOT_FOUND: bento serve nothere\.ts: no such file .*nothere\.ts\n$/],
    ['nothere:svc', /^TAG_NOT_FOUND: no bento named "nothere" in .*, and there is no service file nothere\.ts\n$/],
    ['one.ts:nope', /^BAD_CONFIG: one\.ts:nope: one\.ts has no export "nope" made with service\(\) \(services exported: svc\)\n$/],
    ['two.ts', /^BAD_CONFIG: two\.ts: two\.ts exports 2 services \(other, svc\): name one, e\.g\. two\.ts:other\n$/],
  ];
  for (const [arg, want] of cases) {
    const r = await bento(['serve', arg, '--port', '0'], { home: dir });
    t.equal(r.code, 1, arg);
    t.match(r.stderr, want, arg);
  }
});

const SYNTAX = `import { svc as base } from ${SERVICE};\nexport const svc = {\n  ...base,\n  name: "x" "y",\n};\n`;
const THROWS = `import { svc as base } from ${SERVICE};\nconst settings: { models?: Record<string, string> } = {};\nexport const svc = Object.keys(settings.models!).length ? base : base;\n`;

t.test('a syntax error or an exception in the service code names file:line:column with a code frame, not the bentofile', { timeout: 90_000 }, async (t) => {
  const dir = await project(t, { 'service.ts': SYNTAX, 'src/throws.ts': THROWS, 'src/plain.js': 'export const svc = {\n  name: "x" "y",\n};\n', 'bentofile.yaml': 'service: service.ts:svc\n' });
  const syntaxFrame = [
    'BAD_SERVICE: service.ts:4:13: syntax error: Expected "}" but found "\\"y\\""',
    '    2 | export const svc = {',
    '    3 |   ...base,',
    '  > 4 |   name: "x" "y",',
    '      |             ^',
    '    5 | };',
    '',
  ].join('\n');
  const served = await bento(['serve', '--port', '0'], { home: dir });
  t.equal(served.code, 1);
  t.equal(served.stderr, syntaxFrame, 'bento serve (the bentofile\'s service)');
  const built = await bento(['build'], { home: dir });
  t.equal(built.code, 1);
  t.equal(built.stderr, syntaxFrame, 'bento build: the same');

  const thrown = await bento(['serve', 'src/throws.ts:svc', '--port', '0'], { home: dir });
  t.equal(thrown.code, 1);
  t.match(thrown.stderr, /^BAD_SERVICE: src\/throws\.ts:3:\d+: TypeError: Cannot convert undefined or null to object\n/);
  t.match(thrown.stderr, /\n  > 3 \| export const svc = Object\.keys/);
  t.notMatch(thrown.stderr + served.stderr, /bentofile|\n\s+at /, 'no blame on the bentofile, no stack trace');

  // A plain .js module is parsed by Node itself, whose SyntaxError says nowhere where: the place is found anyway.
  const plain = await bento(['serve', 'src/plain.js', '--port', '0'], { home: dir });
  t.equal(plain.code, 1);
  t.match(plain.stderr, /^BAD_SERVICE: src\/plain\.js:2:13: syntax error: .*\n.*\n  > 2 \|   name: "x" "y",\n      \|             \^\n/);

  // The same through `node` directly, as a script that spawns the CLI sees it (stdout stays empty).
  const r = spawnSync(process.execPath, [CLI, 'build'], { cwd: dir, encoding: 'utf8', env: { ...process.env, BENTO_HOME: dir } });
  t.equal(r.stdout, '');
});

t.test('a project without "type": "module" (npm init\'s default) serves its typed service.ts', { timeout: 90_000 }, async (t) => {
  const dir = await tempDir(t, 'bento-serve-cjs-');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'plain', version: '1.0.0' }));
  writeFileSync(path.join(dir, 'service.ts'), `import { svc as base } from ${SERVICE};\nexport const svc: typeof base = base;\n`);
  writeModel(path.join(dir, 'models'), randomForest(7, 4, 3), { version: 'servecjs000001' });
  await serveThenStop(t, 'service.ts:svc', dir, dir);
});

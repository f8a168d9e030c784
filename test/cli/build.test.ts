// The bento CLI end to end, as a user runs it: build prints the tag on stdout and nothing else in a pipe;
// list/get -o json print JSON only; delete needs -y off a terminal; a model a bento uses cannot be deleted.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { bento } from '../kit/cli.js';
import { makeModel } from '../kit/model.js';
import { ACTIVITIES_FIXTURE, ROOT, tempDir, tempHome } from '../kit/project.js';

t.test('build, list, get, delete, export, import from the command line', async (t) => {
  const home = await tempHome(t);
  const model = await makeModel();

  const built = await bento(['build', '--project', ACTIVITIES_FIXTURE, '--label', 'ci=yes'], { home });
  t.equal(built.code, 0, built.stderr);
  t.match(built.stdout, /^activities_model:[0-9a-f]{16}\n$/, 'stdout is the tag alone');
  t.equal(built.stderr, '', 'no progress in a pipe');
  const tag = built.stdout.trim();

  const listed = await bento(['list', '-o', 'json'], { home });
  t.equal(listed.code, 0);
  const list = JSON.parse(listed.stdout) as Array<{ tag: string; labels: Record<string, string>; models: string[] }>;
  t.same(list.map((b) => [b.tag, b.labels.ci, b.models]), [[tag, 'yes', [`activities_regressor:${model.version}`]]]);

  const got = await bento(['get', 'activities_model', '-o', 'json'], { home });
  t.equal(got.code, 0);
  const version = tag.split(':')[1]!;
  const onDisk = YAML.parse(await fs.readFile(path.join(home, 'bentos/activities_model', version, 'bento.yaml'), 'utf8'));
  const { lineage, ...shown } = JSON.parse(got.stdout) as Record<string, unknown> & { lineage: { bento: { tag: string }; models: Array<{ tag: string }> } };
  t.same(shown, onDisk, 'get -o json is the whole bento.yaml…');
  t.same([lineage.bento.tag, lineage.models.map((m) => m.tag)], [tag, [`activities_regressor:${model.version}`]], '…and its lineage');
  const summary = await bento(['get', 'activities_model'], { home });
  t.equal(summary.code, 0, summary.stderr);
  const lines = summary.stdout.trimEnd().split('\n');
  t.ok(lines.length >= 8 && lines.length <= 20, `a screenful, not the whole bento.yaml (${lines.length} lines)`);
  t.equal(lines[0], tag);
  t.match(summary.stdout, /^\s+service:\s+service\.ts:svc/m);
  t.match(summary.stdout, /^\s+POST \/predict\s+predict\b/m, 'each API with its route');
  t.match(summary.stdout, new RegExp(`^\\s+regressor = activities_regressor:${model.version}  \\(POST /v2/models/activities_regressor/infer\\)$`, 'm'), 'each model with its exact tag and its V2 route');
  t.match(summary.stdout, /labels .*ci=yes/, 'the labels the image gets');
  t.match(summary.stdout, /size:\s+[\d.]+ (B|KiB|MiB) in \d+ files/);
  const yaml = await bento(['get', 'activities_model', '-o', 'yaml'], { home });
  t.equal(yaml.code, 0, yaml.stderr);
  t.same(YAML.parse(yaml.stdout), onDisk, '-o yaml is the whole bento.yaml');
  const help = await bento(['get', '--help'], { home });
  t.match(help.stdout, /-o, --output FORMAT\s+output format: summary \(default\), yaml or json/);
  const table = await bento(['list'], { home });
  t.match(table.stdout, new RegExp(`^TAG.*\\n${tag}\\s`, 'm'));

  const inUse = await bento(['models', 'delete', `activities_regressor:${model.version}`, '-y'], { home });
  t.equal(inUse.code, 1);
  t.match(inUse.stderr, new RegExp(`^IN_USE: .*${tag}`), 'a model a bento uses is not deleted');

  const noYes = await bento(['delete', tag], { home });
  t.equal(noYes.code, 1);
  t.match(noYes.stderr, /^BAD_ARGUMENT: .*-y/);

  const file = path.join(await tempDir(t), 'a.bento');
  const exported = await bento(['export', tag, file, '--format', 'tar'], { home });
  t.equal(exported.code, 0, exported.stderr);
  t.equal(exported.stdout.trim(), file);

  const deleted = await bento(['delete', tag, '-y'], { home });
  t.equal(deleted.code, 0);
  t.equal(deleted.stdout, `deleted ${tag}\n`);
  t.same(JSON.parse((await bento(['list', '-o', 'json'], { home })).stdout), []);

  const imported = await bento(['import', file], { home });
  t.equal(imported.code, 0, imported.stderr);
  t.equal(imported.stdout, `${tag}\n`);
  t.equal((await bento(['get', tag, '-o', 'json'], { home })).code, 0);
});

t.test('user mistakes are one line naming what and where, and a non-zero exit', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const bad = path.join(dir, 'bad.yaml');
  await fs.writeFile(bad, 'service: service.ts:svc\ndocker:\n  base_imag: x\n');
  const r = await bento(['build', '-f', bad, '--project', ACTIVITIES_FIXTURE], { home });
  t.equal(r.code, 1);
  t.match(r.stderr, /^BAD_CONFIG: .*bad\.yaml: \/docker\/base_imag: unknown key\n/);
  t.notMatch(r.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
  t.equal(r.stdout, '');

  const label = await bento(['build', '--project', ACTIVITIES_FIXTURE, '--label', 'novalue'], { home });
  t.equal(label.code, 1);
  t.match(label.stderr, /^BAD_ARGUMENT: --label "novalue"/);

  const missing = await bento(['get', 'nothing_here'], { home });
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^TAG_NOT_FOUND: /);

  const format = await bento(['export', 'x', '--format', 'rar'], { home });
  t.equal(format.code, 1);
  t.match(format.stderr, /^BAD_ARGUMENT: --format "rar"/);
});

t.test('an API schema that is not JSON Schema is refused by bento build and bento serve ., naming the API and the place; nothing is stored', async (t) => {
  const home = await tempHome(t);
  const dir = await tempDir(t);
  const sdk = JSON.stringify(path.join(ROOT, 'src/sdk/index.js'));
  const preprocess = JSON.stringify(path.join(ROOT, 'src/pipeline/preprocess.js'));
  const service = (input: string): string =>
    `import { api, service } from ${sdk};\nimport { recordsToRows } from ${preprocess};\n` +
    `export const svc = service({ name: 'bad_schema', models: { regressor: 'activities_regressor:latest' }, apis: {\n` +
    `  predict: api({ input: ${input}, output: { type: 'array', items: { type: 'number' } }, preprocess: recordsToRows('regressor') }),\n} });\n`;
  await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  await fs.writeFile(path.join(dir, 'bentofile.yaml'), 'service: service.ts:svc\n');

  // A misspelt type, deep in the items: the place is a pointer into the schema, the allowed values listed.
  await fs.writeFile(path.join(dir, 'service.ts'), service(`{ type: 'array', items: { type: 'object', properties: { 'Distance (km)': { type: 'nmber' } } } }`));
  const typeLine = /^BAD_CONFIG: service "bad_schema", api "predict": input schema at \/items\/properties\/Distance \(km\)\/type: must be one of "array", "boolean", "integer", "null", "number", "object", "string" \(the schema is not valid JSON Schema 2020-12\)\n$/;
  const build = await bento(['build', '--project', dir], { home });
  t.equal(build.code, 1);
  t.match(build.stderr, typeLine, 'bento build: one line');
  t.equal(build.stdout, '');
  const serve = await bento(['serve', '.', '--port', '0'], { home, cwd: dir });
  t.equal(serve.code, 1);
  t.match(serve.stderr, typeLine, 'bento serve .: the same line, before anything listens');

  // What only compiling finds: a reference that leads nowhere.
  await fs.writeFile(path.join(dir, 'service.ts'), service(`{ type: 'array', items: { $ref: '#/$defs/record' } }`));
  const ref = await bento(['build', '--project', dir], { home });
  t.equal(ref.code, 1);
  t.match(ref.stderr, /^BAD_CONFIG: service "bad_schema", api "predict": input schema: can't resolve reference #\/\$defs\/record from id #\n$/);

  const list = await bento(['list', '-o', 'json'], { home });
  t.same(JSON.parse(list.stdout), [], 'no bento was stored');
});

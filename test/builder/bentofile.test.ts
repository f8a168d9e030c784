// bentofile.yaml: the published schema, and errors that name the key and the file.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { Ajv } from 'ajv';
import { BentoError } from '../../src/errors.js';
import { parseBentofile, readBentofile } from '../../src/builder/bentofile.js';
import { resolveBuild } from '../../src/builder/resolve.js';
import { makeModel } from '../kit/model.js';
import { ACTIVITIES_FIXTURE, copyActivitiesProject, ROOT, tempDir, tempHome } from '../kit/project.js';

async function badConfig(t: Test, p: Promise<unknown>): Promise<BentoError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  t.type(err, BentoError);
  t.equal((err as BentoError).code, 'BAD_CONFIG');
  return err as BentoError;
}

t.test('the published schema compiles and the top-level bentofile points editors at it', async (t) => {
  const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/bentofile.schema.json'), 'utf8'));
  t.ok(new Ajv({ allowUnionTypes: true, strict: true }).compile(schema));
  const top = readFileSync(path.join(ROOT, 'bentofile.yaml'), 'utf8');
  t.match(top, /# yaml-language-server: \$schema=\.\/schema\/bentofile\.schema\.json/);
  const config = parseBentofile(top);
  t.equal(config.service, 'service.ts:svc');
  t.equal(config.name, 'activities_model');
  t.equal(config.description, 'file:./README.md');
  t.same(config.models, ['activities_regressor:latest']);
  t.same(config.docker, { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3000' } });
  t.ok(config.labels?.owner && config.labels.stage, 'labels owner and stage');
});

t.test('a good bentofile resolves: service read, description from its file, model tag pinned', async (t) => {
  await tempHome(t);
  const model = await makeModel();
  const project = await copyActivitiesProject(t, {
    'bentofile.yaml': [
      'service: service.ts:svc',
      'description: file:./README.md',
      'labels: { owner: me }',
      'models: [activities_regressor:latest]',
      'docker:',
      '  env: [BENTOML_PORT=3000, "GREETING=a=b"]',
      '  system_packages: [curl]',
      'envs: [{ name: LOG_LEVEL, value: debug }]',
    ].join('\n'),
  });
  const file = path.join(project, 'bentofile.yaml');
  const config = await readBentofile(file);
  const r = await resolveBuild({ projectDir: project, config, bentofileLabel: 'bentofile.yaml', labels: { stage: 'test' } });
  t.equal(r.name, 'activities_model', 'the name defaults to the service name');
  t.equal(r.service.definition.name, 'activities_model');
  t.equal(r.service.spec, 'service.ts:svc');
  t.equal(r.description, await fs.readFile(path.join(project, 'README.md'), 'utf8'));
  t.same(r.labels, { owner: 'me', stage: 'test' });
  t.same(r.models.map((m) => [m.alias, m.tag]), [['regressor', `activities_regressor:${model.version}`]]);
  t.same(r.docker, { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3000', GREETING: 'a=b' }, system_packages: ['curl'] });
  t.same(r.envs, [{ name: 'LOG_LEVEL', value: 'debug' }]);
});

t.test('an unknown key is named with its path and the file', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'my-bentofile.yaml');
  await fs.writeFile(file, 'service: service.ts:svc\ndocker:\n  base_imag: node:20\n');
  const err = await badConfig(t, readBentofile(file));
  t.match(err.message, /my-bentofile\.yaml: \/docker\/base_imag: unknown key/);
  t.same(err.details, [{ path: '/docker/base_imag', message: 'unknown key' }]);
  const top = await badConfig(t, Promise.resolve().then(() => parseBentofile('service: service.ts:svc\nmodel: [x]\n')));
  t.match(top.message, 'bentofile.yaml: /model: unknown key');
});

t.test('a folder given as the bentofile is a user error naming it', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(readBentofile(dir), { code: 'BAD_ARGUMENT', message: /is a folder, not a bentofile/ });
});

t.test('a wrong type is named with its path', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['service: service.ts:svc\nlabels:\n  stage: 1\n', /\/labels\/stage: must be string/],
    ['service: service.ts:svc\nmodels: [3]\n', /\/models\/0: must be string or object/],
    ['service: service.ts:svc\ninclude: service.ts\n', /\/include: must be array/],
    ['service: 42\n', /\/service: must be string/],
    ['service: service.py:svc\n', /\/service: must look like "service.ts:svc"/],
    ['service: service.ts:svc\nname: Activities\n', /\/name: must be lowercase/],
    ['service: service.ts:svc\ndocker: { env: [NOEQUALS] }\n', /\/docker\/env\/0: must look like KEY=value/],
    ['service: service.ts:svc\nenvs: [{ name: A }]\n', /\/envs\/0\/value: is required/],
    ['name: x\n', /\/service: is required/],
    ['- a list\n', /bentofile\.yaml: \/: must be object/],
  ];
  for (const [text, want] of cases) {
    const err = await badConfig(t, Promise.resolve().then(() => parseBentofile(text)));
    t.match(err.message, want, text);
    t.match(err.message, /^bentofile\.yaml: /);
  }
});

t.test('YAML errors name the file and line', async (t) => {
  const err = await badConfig(t, Promise.resolve().then(() => parseBentofile('service: service.ts:svc\nservice: other.ts\n')));
  t.match(err.message, /^bentofile\.yaml: line 2: /);
});

t.test('a missing bentofile is FILE_NOT_FOUND naming it', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(readBentofile(path.join(dir, 'bentofile.yaml')), { code: 'FILE_NOT_FOUND', message: /bentofile\.yaml/ });
});

t.test('a missing service file is named with the key and the file', async (t) => {
  await tempHome(t);
  const project = await copyActivitiesProject(t);
  const config = parseBentofile('service: src/nothere.ts:svc\n');
  const err = await badConfig(t, resolveBuild({ projectDir: project, config, bentofileLabel: 'bentofile.yaml' }));
  t.match(err.message, 'bentofile.yaml: /service: file not found: src/nothere.ts');
});

t.test('a service module without that export, or that fails to load, is named', async (t) => {
  await tempHome(t);
  const project = await copyActivitiesProject(t, { 'broken.ts': 'throw new Error("boom at load");\n' });
  const noExport = await badConfig(t, resolveBuild({ projectDir: project, config: parseBentofile('service: service.ts:service\n'), bentofileLabel: 'bentofile.yaml' }));
  t.match(noExport.message, /\/service: service\.ts has no export "service" made with service\(\) \(services exported: svc\)/);
  // A module that throws is the service code's fault, told where it threw (not the bentofile's).
  const broken = (await resolveBuild({ projectDir: project, config: parseBentofile('service: broken.ts:svc\n'), bentofileLabel: 'bentofile.yaml' }).catch((e: unknown) => e)) as BentoError;
  t.equal(broken.code, 'BAD_SERVICE');
  t.match(broken.message, /^broken\.ts:1:7: boom at load\n/);
  t.notMatch(broken.message, /bentofile/);
});

t.test('a missing description file is named with the key and the file', async (t) => {
  await tempHome(t);
  await makeModel();
  const project = await copyActivitiesProject(t);
  const config = parseBentofile('service: service.ts:svc\ndescription: file:./MISSING.md\n');
  const err = await badConfig(t, resolveBuild({ projectDir: project, config, bentofileLabel: 'bentofile.yaml' }));
  t.match(err.message, 'bentofile.yaml: /description: file not found: ./MISSING.md');
});

t.test('a model the store does not have is named with where it was asked for', async (t) => {
  await tempHome(t);
  // Nothing in the store: the service's own model is the one missing.
  const plain = parseBentofile('service: service.ts:svc\n');
  await t.rejects(resolveBuild({ projectDir: ACTIVITIES_FIXTURE, config: plain, bentofileLabel: 'bentofile.yaml' }), {
    code: 'TAG_NOT_FOUND',
    message: /service "activities_model" models\.regressor: .*activities_regressor/,
  });
  await makeModel();
  const config = parseBentofile('service: service.ts:svc\nmodels: [activities_regressor, no_such_model:latest]\n');
  await t.rejects(resolveBuild({ projectDir: ACTIVITIES_FIXTURE, config, bentofileLabel: 'bentofile.yaml' }), {
    code: 'TAG_NOT_FOUND',
    message: /bentofile\.yaml: \/models\/1: .*no_such_model/,
  });
});

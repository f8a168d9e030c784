// The build plan is pure: same inputs → same plan and version; the version ignores the time and
// follows every input. Sources: include/exclude globs, never node_modules, .git or the stores.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { BentoError } from '../../src/errors.js';
import { bentoInfoCodec } from '../../src/bento/bento-yaml.js';
import { planBento, type PlanInput } from '../../src/builder/plan.js';
import type { ResolvedBuild } from '../../src/builder/resolve.js';
import { listSources } from '../../src/builder/sources.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { svc } from '../../service.js';
import { tempDir } from '../kit/project.js';

const hex = (c: string) => c.repeat(64);

function input(over: Partial<PlanInput> = {}, build: Partial<ResolvedBuild> = {}): PlanInput {
  const info = { name: 'activities_regressor', version: 'v1', model_file: 'model.onnx' } as ModelInfo;
  return {
    build: {
      projectDir: '/nowhere',
      bentofileLabel: 'bentofile.yaml',
      service: { spec: 'service.ts:svc', file: '/nowhere/service.ts', exportName: 'svc', definition: svc },
      name: 'activities_model',
      description: '# Activities\n',
      labels: { stage: 'dev', owner: 'me' },
      include: [],
      exclude: [],
      models: [{ alias: 'regressor', tag: 'activities_regressor:v1', info, dir: '/nowhere/models' }],
      docker: { base_image: 'node:20-bookworm-slim', env: {}, system_packages: [] },
      envs: [],
      ...build,
    },
    bundle: new TextEncoder().encode('console.log(1)'),
    sources: [{ from: '/nowhere/service.ts', to: 'service.ts', digest: hex('a') }],
    models: [
      { from: '/nowhere/models/model.onnx', to: 'models/activities_regressor/v1/model.onnx', digest: hex('b') },
      { from: '/nowhere/models/model.yaml', to: 'models/activities_regressor/v1/model.yaml', digest: hex('c') },
    ],
    env: [{ from: '/nowhere/ort/package.json', to: 'env/node_modules/onnxruntime-node/package.json', digest: hex('d'), link: true }],
    runtime: { node: 'v20.0.0', onnxruntime_node: '1.30.0' },
    now: '2024-01-01T00:00:00.000Z',
    ...over,
  };
}

t.test('same inputs, same plan; the time does not change the version', async (t) => {
  const a = planBento(input());
  const b = planBento(input({ now: '2030-01-01T00:00:00.000Z' }));
  t.match(a.info.version, /^[0-9a-f]{16}$/);
  t.equal(b.info.version, a.info.version);
  t.same(b.files.map((f) => [f.path, f.digest]), a.files.map((f) => [f.path, f.digest]));
  t.same(Object.keys(a.info).slice(0, 3), ['name', 'version', 'creation_time']);
  t.equal(Object.keys(a.info).at(-1), 'files');
  t.same(a.files.map((f) => f.path), [
    'README.md',
    'apis/openapi.yaml',
    'env/node_modules/onnxruntime-node/package.json',
    'models/activities_regressor/v1/model.onnx',
    'models/activities_regressor/v1/model.yaml',
    'src/service.cjs',
    'src/service.ts',
  ]);
  t.same(a.info.models, [{ alias: 'regressor', tag: 'activities_regressor:v1', digest: `sha256:${hex('b')}` }]);
  t.same(Object.keys(a.info.labels), ['owner', 'stage'], 'labels sorted');
});

t.test('every input moves the version', async (t) => {
  const base = planBento(input()).info.version;
  const variants: Array<[string, PlanInput]> = [
    ['bundle', input({ bundle: new TextEncoder().encode('console.log(2)') })],
    ['a source', input({ sources: [{ from: '/x', to: 'service.ts', digest: hex('e') }] })],
    ['the model', input({ models: [{ from: '/x', to: 'models/activities_regressor/v1/model.onnx', digest: hex('f') }, { from: '/y', to: 'models/activities_regressor/v1/model.yaml', digest: hex('c') }] })],
    ['onnxruntime', input({ runtime: { node: 'v20.0.0', onnxruntime_node: '1.31.0' } })],
    ['node', input({ runtime: { node: 'v20.1.0', onnxruntime_node: '1.30.0' } })],
    ['labels', input({}, { labels: { stage: 'prod', owner: 'me' } })],
    ['description', input({}, { description: 'other' })],
    ['docker', input({}, { docker: { base_image: 'node:22-slim', env: {}, system_packages: [] } })],
    ['envs', input({}, { envs: [{ name: 'A', value: '1' }] })],
  ];
  const seen = new Set([base]);
  for (const [what, i] of variants) {
    const v = planBento(i).info.version;
    t.notOk(seen.has(v), what);
    seen.add(v);
  }
  t.equal(planBento(input({ version: 'v7' })).info.version, 'v7', '--version wins');
});

t.test("bento.yaml records the service's traffic.body_timeout and max_request_size when it sets them, and only then", async (t) => {
  t.notOk('body_timeout' in planBento(input()).info.traffic, 'unset: the runtime default applies');
  t.notOk('max_request_size' in planBento(input()).info.traffic, 'unset: the runtime default applies');
  const slow = { ...svc, traffic: { ...svc.traffic, body_timeout: 12, max_request_size: 4096 } };
  const build = input().build;
  const planned = planBento(input({}, { service: { ...build.service, definition: slow } }));
  t.equal(planned.info.traffic.body_timeout, 12);
  t.equal(planned.info.traffic.max_request_size, 4096);
  t.not(planned.info.version, planBento(input()).info.version, 'and it moves the version');
  t.same(bentoInfoCodec.parse(bentoInfoCodec.stringify(planned.info), 'bento.yaml').traffic, planned.info.traffic, 'bento.yaml reads back with them');
});

t.test('a source that would overwrite a file of the bento is refused', async (t) => {
  t.throws(() => planBento(input({ sources: [{ from: '/x', to: 'service.cjs', digest: hex('a') }] })), { code: 'BAD_CONFIG', message: /src\/service\.cjs/ });
  t.throws(() => planBento(input({ models: [] })), BentoError, 'a model without model.onnx');
});

t.test('sources: include minus exclude, never node_modules, .git, models/ or bentos/', async (t) => {
  const dir = await tempDir(t);
  const files = [
    'service.ts', 'README.md', 'package.json', 'src/a.ts', 'src/a.test.ts', 'src/deep/b.ts', 'src/notes.txt', 'test/x.ts',
    'node_modules/pkg/index.ts', 'src/node_modules/p/i.ts', '.git/config.ts', 'models/m/v/model.yaml', 'bentos/b/v/bento.yaml', 'docs/models/ok.md',
  ];
  for (const f of files) {
    await fs.mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await fs.writeFile(path.join(dir, f), f);
  }
  t.same(await listSources(dir, ['service.ts', 'src/**/*.ts', '*.md', '**/*.yaml', 'docs/**'], ['**/*.test.ts', 'src/deep/']), [
    'README.md',
    'docs/models/ok.md',
    'service.ts',
    'src/a.ts',
  ]);
  t.same(await listSources(dir, ['**/*.ts'], []), ['service.ts', 'src/a.test.ts', 'src/a.ts', 'src/deep/b.ts', 'test/x.ts']);
  t.same(await listSources(dir, ['**/*.ts'], [], ['src/deep', 'test']), ['service.ts', 'src/a.test.ts', 'src/a.ts'], 'skipped folders (the stores under BENTO_HOME)');
});

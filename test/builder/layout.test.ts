// What a built bento holds: bento.yaml fields, every file's digest, the bundle, models, onnxruntime,
// the OpenAPI document, the README and the Dockerfile template.
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import YAML from 'yaml';
import { buildBento } from '../../src/builder/build.js';
import { getBento, listBentos } from '../../src/bento/bento-store.js';
import { loadBentoInfo, verifyBento } from '../../src/bento/bento-yaml.js';
import { digestTree, sha256File } from '../../src/store/digest.js';
import { getModel } from '../../src/models/model-store.js';
import { svc } from '../../service.js';
import { FILL_HEART_RATE, makeModel } from '../kit/model.js';
import { ACTIVITIES_FIXTURE, ROOT, tempHome } from '../kit/project.js';

t.test('the activities bento has the documented layout', async (t) => {
  const home = await tempHome(t);
  const model = await makeModel();
  const { dir: modelDir } = await getModel(`activities_regressor:${model.version}`);
  const { tag, info, dir, created } = await buildBento({ projectDir: ACTIVITIES_FIXTURE });

  t.ok(created);
  t.match(tag, /^activities_model:[0-9a-f]{16}$/);
  t.equal(dir, path.join(home, 'bentos', 'activities_model', info.version));
  t.same(loadBentoInfo(dir), info, 'bento.yaml on disk says what the build returned');

  // bento.yaml
  t.equal(info.name, 'activities_model');
  t.ok(!Number.isNaN(Date.parse(info.creation_time)), 'creation_time is a date');
  t.same(info.labels, { owner: 'tests', stage: 'dev' });
  t.equal(info.service, 'service.ts:svc');
  t.equal(info.description, await fs.readFile(path.join(ACTIVITIES_FIXTURE, 'README.md'), 'utf8'));
  const onnxDigest = await sha256File(path.join(modelDir, 'model.onnx'));
  t.same(info.models, [{ alias: 'regressor', tag: `activities_regressor:${model.version}`, digest: `sha256:${onnxDigest}` }]);
  const predict = svc.apis.predict!;
  t.same(info.apis, [
    {
      name: 'predict',
      route: '/predict',
      input: JSON.parse(JSON.stringify(predict.input)),
      output: predict.output,
      batchable: true,
      max_batch_size: 1000,
      max_latency_ms: 200,
      model: 'regressor',
      doc: predict.doc,
    },
  ]);
  t.same(info.traffic, { timeout: 10, max_concurrency: 512 });
  t.same(info.docker, { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3000' }, system_packages: [] });
  t.same(info.envs, []);
  t.same(info.runtime, { node: process.version, onnxruntime_node: '1.30.0', entry: 'src/service.cjs' });
  t.notMatch(await fs.readFile(path.join(dir, 'bento.yaml'), 'utf8'), /[&*]a\d/, 'no YAML anchors or aliases');

  // files: every file but bento.yaml, with its digest, and nothing else
  t.same(info.files, await digestTree(dir, { exclude: ['bento.yaml'] }));
  await t.resolves(verifyBento(dir));

  // the bundle: one CommonJS file, onnxruntime-node left out, no absolute paths of the build machine
  const bundle = await fs.readFile(path.join(dir, 'src/service.cjs'), 'utf8');
  t.ok(bundle.length > 100_000, 'the runtime is inside the bundle');
  t.match(bundle, /node_modules\/fastify\//, 'fastify is bundled');
  t.notMatch(bundle, /node_modules\/onnxruntime-(node|common)\//, 'onnxruntime stays external');
  t.notOk(bundle.includes(ROOT), 'no absolute path of the project');
  t.notOk(bundle.includes(home), 'no absolute path of BENTO_HOME');
  // the sources named by include, for reference
  t.ok(existsSync(path.join(dir, 'src/service.ts')));
  t.ok(existsSync(path.join(dir, 'src/README.md')));
  t.notOk(existsSync(path.join(dir, 'src/bentofile.yaml')), 'only what include names');

  // models
  const mdir = `models/activities_regressor/${model.version}`;
  t.equal(info.files[`${mdir}/model.onnx`], onnxDigest);
  t.ok(info.files[`${mdir}/model.yaml`]);
  t.same(YAML.parse(await fs.readFile(path.join(dir, mdir, 'model.yaml'), 'utf8')).preprocessing.fill, { 'Average Heart rate (tpm)': FILL_HEART_RATE });

  // onnxruntime for Linux x64 only
  const ort = 'env/node_modules/onnxruntime-node';
  for (const f of ['package.json', 'dist/index.js', 'bin/napi-v6/linux/x64/onnxruntime_binding.node', 'bin/napi-v6/linux/x64/libonnxruntime.so.1']) {
    t.ok(info.files[`${ort}/${f}`], f);
  }
  t.notOk(Object.keys(info.files).some((f) => f.includes('/win32/') || f.includes('/darwin/')), 'no other platforms');
  t.ok(info.files['env/node_modules/onnxruntime-common/package.json']);
  t.ok(info.files['env/node_modules/onnxruntime-common/dist/cjs/index.js']);
  const ortPkg = JSON.parse(await fs.readFile(path.join(dir, ort, 'package.json'), 'utf8'));
  t.equal(ortPkg.version, info.runtime.onnxruntime_node);

  // OpenAPI document with the API's schemas as declared
  const openapi = YAML.parse(await fs.readFile(path.join(dir, 'apis/openapi.yaml'), 'utf8'));
  t.equal(openapi.openapi, '3.1.0');
  t.equal(openapi.info.title, 'activities_model');
  t.equal(openapi.info.version, info.version);
  t.same(openapi.paths['/predict'].post.requestBody.content['application/json'].schema, info.apis[0]!.input);
  t.same(openapi.paths['/predict'].post.responses['200'].content['application/json'].schema, info.apis[0]!.output);

  // README and Dockerfile template
  t.equal(await fs.readFile(path.join(dir, 'README.md'), 'utf8'), info.description);
  const dockerfile = path.join(ROOT, 'Dockerfile');
  if (existsSync(dockerfile)) t.equal(await fs.readFile(path.join(dir, 'env/docker/Dockerfile'), 'utf8'), await fs.readFile(dockerfile, 'utf8'));
  else t.notOk(existsSync(path.join(dir, 'env/docker/Dockerfile')), 'no template yet: no Dockerfile');

  // the store sees it
  const listed = await listBentos();
  t.same(listed.map((b) => b.tag), [tag]);
  t.same(listed[0]!.models, [`activities_regressor:${model.version}`]);
  t.ok(listed[0]!.size > 40_000_000, 'size counts the onnxruntime binaries');
  t.equal((await getBento('activities_model:latest')).dir, dir);
  t.equal((await getBento(`activities_model:${info.version.slice(0, 6)}`)).dir, dir, 'a unique version prefix resolves');
});

/**
 * A small bento made by the builder's own plan and apply (planBento + applyPlan, so bento.yaml is written by
 * the one checked writer), for tests of containerize and of the stores that need no real build: no bundling,
 * no onnxruntime packages, a tiny real model. `over` sets the bento's name, version, time, labels and
 * docker settings; `files` adds or replaces files of the bento (e.g. `env/docker/Dockerfile`).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import { bentoInfoCodec } from '../../src/bento/bento-yaml.js';
import { FRAMEWORK_DOCKERFILE } from '../../src/bento/dockerfile-template.js';
import { applyPlan } from '../../src/builder/apply.js';
import { planBento, sha256, type InputFile } from '../../src/builder/plan.js';
import type { ResolvedBuild } from '../../src/builder/resolve.js';
import type { ModelInfo } from '../../src/models/model-info.js';
import { stringifyModelInfo } from '../../src/models/model-yaml.js';
import { rowsSignature } from '../../src/models/signature.js';
import { forestToOnnx } from '../../src/onnx/write.js';
import { api, service } from '../../src/sdk/index.js';
import { Store } from '../../src/store/store.js';
import { tinyForest } from './helpers.js';

/** What layBento's bento may differ in. */
export type LayOptions = Partial<Pick<BentoInfo, 'name' | 'version' | 'creation_time' | 'description' | 'labels' | 'docker'>> & {
  /** The model the bento carries (default `activities_regressor:aaaa`). */
  model?: { name: string; version: string };
};

const SERVER = 'require("http").createServer((q, s) => s.end("ok")).listen(+(process.env.PORT || 3000));\n';

/** A tiny real model: its ONNX bytes and its model.yaml. */
function tinyModel(name: string, version: string): { info: ModelInfo; onnx: Uint8Array; yaml: string } {
  const features = ['a', 'b'];
  const onnx = forestToOnnx(tinyForest(), { featureNames: features });
  const info: ModelInfo = {
    name,
    version,
    creation_time: '2024-05-01T00:00:00.000Z',
    source: 'trainer',
    model_file: 'model.onnx',
    signature: rowsSignature(features.length),
    features,
    metrics: {},
    params: {},
    labels: {},
    files: { 'model.onnx': sha256(onnx) },
  };
  return { info, onnx, yaml: stringifyModelInfo(info) };
}

/** Writes a bento into `<root>/<name>/<version>/` (root: the bentos store, or any folder) and returns its folder. */
export async function layBento(root: string, over: LayOptions = {}, files: Record<string, string> = {}): Promise<string> {
  const name = over.name ?? 'activities_model';
  const model = over.model ?? { name: 'activities_regressor', version: 'aaaa' };
  const stage = await fs.mkdtemp(path.join(os.tmpdir(), 'lay-bento-'));
  try {
    // The plan takes files on disk: stage each one at its place in the bento.
    const staged = async (to: string, content: string | Uint8Array): Promise<InputFile> => {
      const from = path.join(stage, ...to.split('/'));
      await fs.mkdir(path.dirname(from), { recursive: true });
      await fs.writeFile(from, content);
      return { from, to, digest: sha256(content) };
    };
    const m = tinyModel(model.name, model.version);
    const modelDir = `models/${model.name}/${model.version}`;
    const models = [await staged(`${modelDir}/model.onnx`, m.onnx), await staged(`${modelDir}/model.yaml`, m.yaml)];
    const env = [await staged('env/node_modules/onnxruntime-node/package.json', '{"name":"onnxruntime-node","version":"1.30.0"}\n')];
    const dockerfile = await staged('env/docker/Dockerfile', files['env/docker/Dockerfile'] ?? (await fs.readFile(FRAMEWORK_DOCKERFILE, 'utf8')));
    const extra = await Promise.all(
      Object.entries(files)
        .filter(([rel]) => rel !== 'env/docker/Dockerfile')
        .map(([rel, text]) => staged(rel, text)),
    );
    const schema = { type: 'array' };
    const definition = service({
      name,
      models: { regressor: `${model.name}:${model.version}` },
      apis: { predict: api({ input: schema, output: schema, preprocess: () => ({ data: new Float32Array(0), count: 0, width: 2 }) }) },
      traffic: { timeout: 10, max_concurrency: 512 },
    });
    const build: ResolvedBuild = {
      projectDir: stage,
      bentofileLabel: 'bentofile.yaml',
      service: { spec: 'service.ts:svc', file: path.join(stage, 'service.ts'), exportName: 'svc', definition },
      name,
      description: over.description ?? 'Predicts the Quality of fitness activities.',
      labels: over.labels ?? { owner: 'ml-team' },
      include: [],
      exclude: [],
      models: [{ alias: 'regressor', tag: `${model.name}:${model.version}`, info: m.info, dir: path.join(stage, modelDir) }],
      docker: over.docker ?? { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3005' }, system_packages: [] },
      envs: [],
    };
    const plan = planBento({
      build,
      bundle: new TextEncoder().encode(SERVER),
      sources: [],
      models,
      env: [...env, ...extra],
      dockerfile,
      runtime: { node: process.version, onnxruntime_node: '1.30.0' },
      version: over.version ?? '0123456789abcdef',
      now: over.creation_time ?? '2024-05-01T00:00:00.000Z',
    });
    const store = new Store<BentoInfo>({ root, infoFile: 'bento.yaml', kind: 'bento', codec: bentoInfoCodec });
    return (await applyPlan(plan, store)).dir;
  } finally {
    await fs.rm(stage, { recursive: true, force: true });
  }
}

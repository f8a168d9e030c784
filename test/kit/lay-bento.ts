/**
 * A small bento laid out by hand per the contract (bento.yaml, src/service.cjs, models/, env/node_modules/,
 * env/docker/Dockerfile), for tests of containerize that do not need a real build.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import type { BentoInfo } from '../../src/bento/bento-info.js';

const TEMPLATE = fileURLToPath(new URL('../../Dockerfile', import.meta.url));

/** Writes a bento into `<root>/<name>/<version>/` (root: the bentos store, or any folder) and returns its folder. */
export async function layBento(root: string, over: Partial<BentoInfo> = {}, files: Record<string, string> = {}): Promise<string> {
  const name = over.name ?? 'activities_model';
  const version = over.version ?? '0123456789abcdef';
  const dir = path.join(root, name, version);
  const content: Record<string, string> = {
    'src/service.cjs': 'require("http").createServer((q, s) => s.end("ok")).listen(+(process.env.PORT || 3000));\n',
    'models/activities_regressor/aaaa/model.onnx': 'not really onnx',
    'models/activities_regressor/aaaa/model.yaml': 'name: activities_regressor\nversion: aaaa\n',
    'env/node_modules/onnxruntime-node/package.json': '{"name":"onnxruntime-node","version":"1.30.0"}\n',
    'env/docker/Dockerfile': await fs.readFile(TEMPLATE, 'utf8'),
    ...files,
  };
  const digests: Record<string, string> = {};
  for (const [rel, text] of Object.entries(content)) {
    await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await fs.writeFile(path.join(dir, rel), text);
    digests[rel] = createHash('sha256').update(text).digest('hex');
  }
  const info: BentoInfo = {
    name,
    version,
    creation_time: '2024-05-01T00:00:00.000Z',
    description: 'Predicts the Quality of fitness activities.',
    labels: { owner: 'ml-team' },
    service: 'service.ts:svc',
    models: [{ alias: 'regressor', tag: 'activities_regressor:aaaa', digest: `sha256:${'0'.repeat(64)}` }],
    apis: [],
    traffic: { timeout: 10, max_concurrency: 512 },
    envs: [],
    docker: { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3005' }, system_packages: [] },
    runtime: { node: process.version, onnxruntime_node: '1.30.0', entry: 'src/service.cjs' },
    files: Object.fromEntries(Object.entries(digests).sort()),
    ...over,
  };
  await fs.writeFile(path.join(dir, 'bento.yaml'), YAML.stringify(info));
  return dir;
}

/**
 * Reading a built bento for serving: `bento.yaml` and the models it lists under `models/<name>/<version>/`,
 * through the bento and model rooms' checked readers (never the builder's code).
 */
import path from 'node:path';
import { BENTO_INFO_FILE, type BentoInfo } from '../bento/bento-info.js';
import { verifyBentoSync } from '../bento/bento-yaml.js';
import { resolveApiSettings, resolveTraffic, type ServiceDefinition } from '../sdk/index.js';
import { splitExactTag } from '../store/tag.js';
import type { ModelInfo } from '../models/model-info.js';
import { readModelInfo } from '../models/model-yaml.js';

export interface LoadedBento {
  info: BentoInfo;
  models: Record<string, { info: ModelInfo; onnxPath: string }>;
}

/**
 * Reads `<bentoDir>/bento.yaml` and the model.yaml of every model it lists, each with its one checked reader,
 * after checking every file of the bento against its digest (BENTO_CHANGED naming a changed file).
 */
export function readBento(bentoDir: string): LoadedBento {
  // What this process reads: an image carries only the entry, models/ and env/node_modules/ of its bento.
  const info = verifyBentoSync(bentoDir, 'runtime');
  const models: LoadedBento['models'] = {};
  for (const m of info.models) {
    const { name, version } = splitExactTag(m.tag);
    const dir = path.join(bentoDir, 'models', name, version);
    const modelInfo = readModelInfo(dir);
    models[m.alias] = { info: modelInfo, onnxPath: path.join(dir, modelInfo.model_file) };
  }
  return { info, models };
}

/**
 * The service as built: the bento's traffic and per-API batching settings take precedence over the
 * bundled code's defaults (they are what `bento get` shows). They are checked by the same functions
 * `service()` uses, so a bad value is a BAD_CONFIG naming `bentoYaml` and the key.
 */
export function applyBentoSettings(svc: ServiceDefinition, info: BentoInfo, bentoYaml = BENTO_INFO_FILE): ServiceDefinition {
  const apis = { ...svc.apis };
  for (const a of info.apis) {
    const def = apis[a.name];
    if (!def) continue;
    apis[a.name] = { ...def, ...resolveApiSettings(a, `${bentoYaml}: api "${a.name}"`, def) };
  }
  return { ...svc, apis, traffic: resolveTraffic(info.traffic, bentoYaml, svc.traffic) };
}

/** Sets the bento's `envs` that the environment does not already set. */
export function applyEnvs(info: BentoInfo, env: NodeJS.ProcessEnv = process.env): void {
  for (const e of info.envs) if (env[e.name] === undefined) env[e.name] = e.value;
}

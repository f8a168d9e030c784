/**
 * Reading a built bento for serving: `bento.yaml` (parsed here, so the runtime bundle needs nothing from
 * the build code) and the models it lists under `models/<name>/<version>/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BENTO_INFO_FILE, type BentoInfo } from '../bento/bento-info.js';
import { loadBentoInfo } from '../bento/bento-yaml.js';
import { BentoError } from '../errors.js';
import { resolveApiSettings, resolveTraffic, type ServiceDefinition } from '../sdk/index.js';
import { parseTag } from '../store/tag.js';
import type { ModelInfo } from '../models/model-info.js';

export interface LoadedBento {
  info: BentoInfo;
  models: Record<string, { info: ModelInfo; onnxPath: string }>;
}

function readYaml<T>(file: string): T {
  if (!existsSync(file)) throw new BentoError('FILE_NOT_FOUND', `${file} does not exist`);
  try {
    return YAML.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new BentoError('BAD_CONFIG', `${file} is not valid YAML: ${(err as Error).message}`);
  }
}

/** Reads `<bentoDir>/bento.yaml` (checked by the build's own reader) and the model.yaml of every model it lists. */
export function readBento(bentoDir: string): LoadedBento {
  const info = loadBentoInfo(bentoDir);
  const models: LoadedBento['models'] = {};
  for (const m of info.models) {
    const { name, version = '' } = parseTag(m.tag); // an exact tag: checked by loadBentoInfo
    const dir = path.join(bentoDir, 'models', name, version);
    const modelInfo = readYaml<ModelInfo>(path.join(dir, 'model.yaml'));
    models[m.alias] = { info: modelInfo, onnxPath: path.join(dir, modelInfo.model_file ?? 'model.onnx') };
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
  for (const a of info.apis ?? []) {
    const def = apis[a.name];
    if (!def) continue;
    apis[a.name] = { ...def, ...resolveApiSettings(a, `${bentoYaml}: api "${a.name}"`, def) };
  }
  return { ...svc, apis, traffic: resolveTraffic(info.traffic, bentoYaml, svc.traffic) };
}

/** Sets the bento's `envs` that the environment does not already set. */
export function applyEnvs(info: BentoInfo, env: NodeJS.ProcessEnv = process.env): void {
  for (const e of info.envs ?? []) if (e?.name && env[e.name] === undefined) env[e.name] = String(e.value ?? '');
}

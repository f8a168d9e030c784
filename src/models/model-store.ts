/**
 * The model store: `$BENTO_HOME/models/<name>/<version>/` holding `model.onnx`, `model.yaml` (ModelInfo)
 * and any extra files (charts). Save, list, resolve, export. It knows nothing of bentos: deleting a model
 * a bento still uses is refused by `deleteModel` in `src/bento/model-use.ts`, which composes this store.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { writeTarGz, writeZip } from '../store/archive.js';
import { canonicalJson } from '../store/canonical-json.js';
import { digestTree, isInsidePath } from '../store/digest.js';
import { modelsRoot } from '../store/home.js';
import { Store, type Stored } from '../store/store.js';
import { newVersion } from '../store/tag.js';
import type { ModelInfo } from './model-info.js';
import { MODEL_INFO_FILE, modelInfoCodec } from './model-yaml.js';

export type StoredModel = Stored<ModelInfo>;

/** The model store under the current BENTO_HOME. */
export function modelStore(): Store<ModelInfo> {
  return new Store<ModelInfo>({ root: modelsRoot(), infoFile: MODEL_INFO_FILE, kind: 'model', codec: modelInfoCodec });
}

export interface SaveModelInput {
  name: string;
  /** The version to store it under (default: newVersion()), e.g. one chosen before its charts were drawn. */
  version?: string;
  /** The ONNX model bytes, stored as `model.onnx`. */
  onnx: Uint8Array;
  info: Omit<ModelInfo, 'name' | 'version' | 'creation_time' | 'files' | 'model_file'>;
  /** More files to store beside the model (e.g. charts), by relative POSIX path. */
  extraFiles?: Record<string, string | Uint8Array>;
}

/**
 * Saves a new model version (version from newVersion(), digests of every file in `files`), atomically.
 *
 * @example
 *   const info = await saveModel({ name: 'houses_regressor', onnx, info: { source: 'trainer', … } });
 *   console.log(`${info.name}:${info.version}`);
 */
export async function saveModel(input: SaveModelInput): Promise<ModelInfo> {
  const version = input.version ?? newVersion();
  const { info } = await modelStore().create(input.name, version, async (tmp) => {
    await fs.writeFile(path.join(tmp, 'model.onnx'), input.onnx);
    for (const [rel, content] of Object.entries(input.extraFiles ?? {})) {
      if (!isInsidePath(rel) || rel === 'model.onnx' || rel === MODEL_INFO_FILE) {
        throw new BentoError('BAD_ARGUMENT', `cannot store extra file "${rel}" with a model`);
      }
      const abs = path.join(tmp, ...rel.split('/'));
      await fs.mkdir(path.dirname(abs), { recursive: true });
      await fs.writeFile(abs, content);
    }
    const files = await digestTree(tmp);
    return {
      name: input.name,
      version,
      creation_time: new Date().toISOString(),
      ...input.info,
      model_file: 'model.onnx',
      files,
    };
  });
  return info;
}

/**
 * Whether two model.yaml describe the same model: same files (by digest) and same metadata. An import
 * keeps a stored version only when this holds; otherwise the tag is taken by another model (a conflict).
 */
export function sameModel(a: ModelInfo, b: ModelInfo): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Resolves a tag (`name`, `name:latest`, `name:version`, `name:prefix`) to the stored model. */
export async function getModel(tag: string): Promise<StoredModel> {
  return modelStore().resolve(tag);
}

/** Stored models (of one name, if given), newest first. */
export async function listModels(name?: string): Promise<StoredModel[]> {
  return modelStore().list(name);
}

/**
 * Writes a model archive holding `<name>/<version>/…`: gzip'd tar (default `./<name>-<version>.model.tar.gz`),
 * or zip when `file` ends in `.zip`. Deterministic: two exports are byte-identical. Returns the path written.
 */
export async function exportModel(tag: string, file?: string): Promise<string> {
  const { info, dir } = await getModel(tag);
  const out = path.resolve(file ?? `${info.name}-${info.version}.model.tar.gz`);
  const prefix = `${info.name}/${info.version}`;
  if (out.toLowerCase().endsWith('.zip')) await writeZip(dir, out, { prefix });
  else await writeTarGz(dir, out, { prefix });
  return out;
}

/**
 * The model store: `$BENTO_HOME/models/<name>/<version>/` holding `model.onnx`, `model.yaml` (ModelInfo)
 * and any extra files (charts). Save, list, resolve, delete (refused while a bento uses the model),
 * export and import.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { writeTarGz, writeZip } from '../store/archive.js';
import { digestTree } from '../store/digest.js';
import { bentosRoot, modelsRoot } from '../store/home.js';
import type { ModelInfo } from './model-info.js';
import { Store, visibleDirs, type Stored } from '../store/store.js';
import { formatTag, newVersion } from '../store/tag.js';


export type StoredModel = Stored<ModelInfo>;

/** The model store under the current BENTO_HOME. */
export function modelStore(): Store<ModelInfo> {
  return new Store<ModelInfo>({ root: modelsRoot(), infoFile: 'model.yaml', kind: 'model' });
}

export interface SaveModelInput {
  name: string;
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
 *   const info = await saveModel({ name: 'activities_regressor', onnx, info: { source: 'trainer', … } });
 *   console.log(`${info.name}:${info.version}`);
 */
export async function saveModel(input: SaveModelInput): Promise<ModelInfo> {
  const version = newVersion();
  const { info } = await modelStore().create(input.name, version, async (tmp) => {
    await fs.writeFile(path.join(tmp, 'model.onnx'), input.onnx);
    for (const [rel, content] of Object.entries(input.extraFiles ?? {})) {
      const segs = rel.split('/');
      if (path.posix.isAbsolute(rel) || segs.some((s) => s === '..' || s === '' || s === '.') || rel === 'model.onnx' || rel === 'model.yaml') {
        throw new BentoError('BAD_ARGUMENT', `cannot store extra file "${rel}" with a model`);
      }
      const abs = path.join(tmp, ...segs);
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

/** Resolves a tag (`name`, `name:latest`, `name:version`, `name:prefix`) to the stored model. */
export async function getModel(tag: string): Promise<StoredModel> {
  return modelStore().resolve(tag);
}

/** Stored models (of one name, if given), newest first. */
export async function listModels(name?: string): Promise<StoredModel[]> {
  return modelStore().list(name);
}

/** Tags of the bentos whose bento.yaml lists this model (`models[].tag`). */
async function bentosUsingModel(name: string, version: string): Promise<string[]> {
  const tag = formatTag(name, version);
  const root = bentosRoot();
  const users: string[] = [];
  for (const bento of await visibleDirs(root)) {
    for (const v of await visibleDirs(path.join(root, bento))) {
      let info: { models?: Array<{ tag?: unknown }> } | null;
      try {
        info = YAML.parse(await fs.readFile(path.join(root, bento, v, 'bento.yaml'), 'utf8'));
      } catch {
        continue; // not a bento folder (or unreadable): it cannot hold a reference
      }
      if (Array.isArray(info?.models) && info.models.some((m) => m && m.tag === tag)) users.push(formatTag(bento, v));
    }
  }
  return users;
}

/** Deletes a model version; refused with IN_USE when a bento uses it. */
export async function deleteModel(tag: string): Promise<ModelInfo> {
  const store = modelStore();
  const { info } = await store.resolve(tag);
  await assertUnused(info);
  await store.delete(formatTag(info.name, info.version));
  return info;
}

/** Throws IN_USE naming the bentos that use this model, if any. */
export async function assertUnused(info: Pick<ModelInfo, 'name' | 'version'>): Promise<void> {
  const users = await bentosUsingModel(info.name, info.version);
  if (users.length > 0) {
    const tag = formatTag(info.name, info.version);
    throw new BentoError('IN_USE', `model ${tag} is used by ${users.length === 1 ? 'bento' : 'bentos'} ${users.join(', ')}; delete ${users.length === 1 ? 'it' : 'them'} first`);
  }
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

/**
 * `bento import`: a `.bento` archive → the bento store. The archive is extracted into a temporary folder
 * by the store's safe extractor, every digest in its bento.yaml is checked (and no unlisted file may be
 * there) before anything lands; then the folder moves into the store atomically. The bento's models are
 * added to the model store when missing there (a model already present is kept as it is).
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BentoError, isBentoError } from '../errors.js';
import { modelStore } from '../models/model-store.js';
import type { ModelInfo } from '../models/model-info.js';
import { MODEL_INFO_FILE, readModelInfo } from '../models/model-yaml.js';
import { extractArchive } from '../store/archive.js';
import { trackTemp } from '../store/temp-cleanup.js';
import { verifyTree } from '../store/digest.js';
import { formatTag, splitExactTag } from '../store/tag.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';
import { bentoStore } from './bento-store.js';
import { parseBentoInfo } from './bento-yaml.js';
import { checkContentVersion, sameBentoContent } from './content-version.js';
import { checkModelBytes } from '../models/model-check.js';
import { sameModel } from '../models/model-store.js';

export interface ImportResult {
  tag: string;
  info: BentoInfo;
  dir: string;
  /** False when this version was already in the store (kept as it was). */
  created: boolean;
  /** The bento's models and whether each was added to the model store. */
  models: Array<{ tag: string; created: boolean }>;
}

/** The folder holding bento.yaml: the archive's top, or `<name>/<version>/` inside it. */
async function bentoRoot(extracted: string, label: string): Promise<string> {
  if (existsSync(path.join(extracted, BENTO_INFO_FILE))) return extracted;
  const found: string[] = [];
  for (const a of await fs.readdir(extracted)) {
    const da = path.join(extracted, a);
    if (!(await fs.stat(da)).isDirectory()) continue;
    if (existsSync(path.join(da, BENTO_INFO_FILE))) found.push(da);
    for (const b of await fs.readdir(da).catch(() => [] as string[])) {
      if (existsSync(path.join(da, b, BENTO_INFO_FILE))) found.push(path.join(da, b));
    }
  }
  if (found.length !== 1) throw new BentoError('BAD_ARCHIVE', `${label} is not a bento archive: ${found.length ? 'several' : 'no'} ${BENTO_INFO_FILE} found`);
  return found[0]!;
}

/** Moves a folder's contents into another (same filesystem: renames; otherwise copies). */
async function moveContents(from: string, to: string): Promise<void> {
  for (const name of await fs.readdir(from)) {
    try {
      await fs.rename(path.join(from, name), path.join(to, name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await fs.cp(path.join(from, name), path.join(to, name), { recursive: true });
    }
  }
}

/** Reads each model's model.yaml with the one checked reader, before anything lands: it must name its own tag. */
async function readModelInfos(root: string, info: BentoInfo, label: string): Promise<Map<string, ModelInfo>> {
  const out = new Map<string, ModelInfo>();
  for (const m of info.models) {
    const { name, version } = splitExactTag(m.tag);
    let model: ModelInfo;
    try {
      model = readModelInfo(path.join(root, 'models', name, version));
    } catch (err) {
      if (isBentoError(err)) throw new BentoError('BAD_ARCHIVE', `${label}: model ${m.tag}: ${err.message}`, err.details);
      throw err;
    }
    if (model.name !== name || model.version !== version) throw new BentoError('BAD_ARCHIVE', `${label}: model ${m.tag}: its ${MODEL_INFO_FILE} says ${model.name}:${model.version}`);
    out.set(m.tag, model);
  }
  return out;
}

/** Each model must be one the server can load: the same gate as `bento models import`. */
async function checkModelFiles(root: string, models: Map<string, ModelInfo>, label: string): Promise<void> {
  for (const [tag, model] of models) {
    const { name, version } = splitExactTag(tag);
    const file = path.join(root, 'models', name, version, ...model.model_file.split('/'));
    await checkModelBytes(await fs.readFile(file), `${label}: model ${tag}`, { features: model.features.length });
  }
}

/** A name:version already stored with other content is a conflict, never "kept": the archive is not that bento. */
function conflict(kind: string, tag: string, label: string): BentoError {
  return new BentoError('ALREADY_EXISTS', `${label}: conflict: ${kind} ${tag} is already in the store with other content; nothing was imported (delete the stored one first if the archive is the one you want)`);
}

/** Refuses, before anything lands, a bento or model whose tag is stored with other content. */
async function checkConflicts(info: BentoInfo, models: Map<string, ModelInfo>, label: string): Promise<void> {
  const bstore = bentoStore();
  if (await bstore.has(info.name, info.version)) {
    const stored = await bstore.readInfo(path.join(bstore.root, info.name, info.version));
    if (!sameBentoContent(stored, info)) throw conflict('bento', formatTag(info.name, info.version), label);
  }
  const mstore = modelStore();
  for (const [tag, model] of models) {
    if (await mstore.has(model.name, model.version)) {
      const stored = await mstore.readInfo(path.join(mstore.root, model.name, model.version));
      if (!sameModel(stored, model)) throw conflict('model', tag, label);
    }
  }
}

/**
 * Imports a bento archive (.bento / .tar.gz / .tar / .zip) into the store under BENTO_HOME.
 *
 * @example
 *   const { tag, created } = await importBento('houses_model-3f9c….bento');
 */
export async function importBento(file: string): Promise<ImportResult> {
  const label = path.basename(file);
  if (!existsSync(file)) throw new BentoError('FILE_NOT_FOUND', `no such file: ${file}`);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'bento-import-'));
  const untrack = trackTemp(work);
  try {
    await extractArchive(file, work);
    const root = await bentoRoot(work, label);
    const info = parseBentoInfo(await fs.readFile(path.join(root, BENTO_INFO_FILE), 'utf8'), `${label}: ${BENTO_INFO_FILE}`);
    try {
      await verifyTree(root, info.files, { exclude: [BENTO_INFO_FILE] });
    } catch (err) {
      if (isBentoError(err)) throw new BentoError(err.code, `${label}: ${err.message}`, err.details);
      throw err;
    }
    const modelInfos = await readModelInfos(root, info, label);
    checkContentVersion(info, label);
    await checkModelFiles(root, modelInfos, label);
    await checkConflicts(info, modelInfos, label);
    // Verified: now it may land.
    const bento = await bentoStore().createOrKeep(info.name, info.version, async (tmp) => {
      await moveContents(root, tmp);
      return info;
    });
    // Stored meanwhile by another import: the same check as before, once more.
    if (!bento.created && !sameBentoContent(bento.info, info)) throw conflict('bento', formatTag(info.name, info.version), label);
    const models: ImportResult['models'] = [];
    const mstore = modelStore();
    for (const m of info.models) {
      const { name, version } = splitExactTag(m.tag);
      const src = path.join(bento.dir, 'models', name, version);
      const made = await mstore.createOrKeep(name, version, async (tmp) => {
        await fs.cp(src, tmp, { recursive: true });
        return mstore.readInfo(src);
      });
      if (!made.created && !sameModel(made.info, modelInfos.get(m.tag)!)) throw conflict('model', m.tag, label);
      models.push({ tag: m.tag, created: made.created });
    }
    return { tag: formatTag(info.name, info.version), info: bento.info, dir: bento.dir, created: bento.created, models };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
    untrack();
  }
}

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
import { verifyTree } from '../store/digest.js';
import { formatTag, splitExactTag } from '../store/tag.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';
import { bentoStore } from './bento-store.js';
import { parseBentoInfo } from './bento-yaml.js';

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

/** Checks that each model the bento names is inside it, with the recorded model.onnx digest. */
function checkModels(info: BentoInfo, label: string): void {
  for (const m of info.models) {
    const { name, version } = splitExactTag(m.tag);
    const onnx = info.files[`models/${name}/${version}/model.onnx`];
    if (!onnx) throw new BentoError('BAD_ARCHIVE', `${label}: model ${m.tag} is not inside the bento`);
    if (m.digest !== `sha256:${onnx}`) throw new BentoError('BAD_ARCHIVE', `${label}: model ${m.tag}: digest ${m.digest} does not match its model.onnx`);
    if (!info.files[`models/${name}/${version}/${MODEL_INFO_FILE}`]) throw new BentoError('BAD_ARCHIVE', `${label}: model ${m.tag} has no model.yaml`);
  }
}

/** Reads each model's model.yaml with the one checked reader, before anything lands: it must name its own tag. */
async function readModelInfos(root: string, info: BentoInfo, label: string): Promise<void> {
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
  try {
    await extractArchive(file, work);
    const root = await bentoRoot(work, label);
    const info = parseBentoInfo(await fs.readFile(path.join(root, BENTO_INFO_FILE), 'utf8'), `${label}: ${BENTO_INFO_FILE}`);
    checkModels(info, label);
    try {
      await verifyTree(root, info.files, { exclude: [BENTO_INFO_FILE] });
    } catch (err) {
      if (isBentoError(err)) throw new BentoError(err.code, `${label}: ${err.message}`, err.details);
      throw err;
    }
    await readModelInfos(root, info, label);
    // Verified: now it may land.
    const bento = await bentoStore().createOrKeep(info.name, info.version, async (tmp) => {
      await moveContents(root, tmp);
      return info;
    });
    const models: ImportResult['models'] = [];
    const mstore = modelStore();
    for (const m of info.models) {
      const { name, version } = splitExactTag(m.tag);
      const src = path.join(bento.dir, 'models', name, version);
      const made = await mstore.createOrKeep(name, version, async (tmp) => {
        await fs.cp(src, tmp, { recursive: true });
        return mstore.readInfo(src);
      });
      models.push({ tag: m.tag, created: made.created });
    }
    return { tag: formatTag(info.name, info.version), info: bento.info, dir: bento.dir, created: bento.created, models };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

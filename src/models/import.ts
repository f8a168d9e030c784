/**
 * `bento models import FILE`: a model archive written by exportModel (every digest verified before
 * anything lands), an ml-random-forest JSON model (converted to ONNX), or any ONNX model onnxruntime loads
 * (stored byte for byte, its signature read from the graph).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError, isBentoError } from '../errors.js';
import { detectArchive, extractArchive } from '../store/archive.js';
import { verifyTree } from '../store/digest.js';
import { trackTemp } from '../store/temp-cleanup.js';
import { NAME_RE, parseTag } from '../store/tag.js';
import { mlRandomForestToForest } from '../onnx/ml-random-forest.js';
import type { OnnxSignature } from '../onnx/read.js';
import { checkModelBytes } from './model-check.js';
import { forestToOnnx } from '../onnx/write.js';
import type { ModelInfo } from './model-info.js';
import { modelStore, sameModel, saveModel } from './model-store.js';
import { MODEL_INFO_FILE } from './model-yaml.js';
import { graphSignature, rowsSignature } from './signature.js';

export interface ImportOptions {
  /** Store under this name instead of the archive's name or the file's base name. */
  name?: string;
  /** Feature names in column order, for ml-random-forest models and ONNX models taking rows of features. */
  features?: string[];
}

/**
 * Imports a model file into the store and returns its info. A model archive whose version is already
 * stored is kept as it is and returned.
 *
 * @example
 *   const info = await importModel('rf.onnx', { name: 'rf', features: ['a', 'b'] });
 */
export async function importModel(file: string, opts: ImportOptions = {}): Promise<ModelInfo> {
  if (opts.name !== undefined) checkName(opts.name);
  if (await detectArchive(file)) {
    if (opts.features) throw new BentoError('BAD_ARGUMENT', '--features applies to ONNX and ml-random-forest models, not to model archives');
    return importArchive(file, opts.name);
  }
  const bytes = await fs.readFile(file);
  const text = bytes.subarray(0, 64).toString('utf8').trimStart();
  if (text.startsWith('{')) return importMlRandomForest(file, bytes, opts);
  return importOnnx(file, bytes, opts);
}

function checkName(name: string): void {
  if (parseTag(name).version !== undefined || name.includes(':')) {
    throw new BentoError('BAD_ARGUMENT', `--name takes a model name without a version, got "${name}"`);
  }
}

async function importArchive(file: string, rename?: string): Promise<ModelInfo> {
  const store = modelStore();
  const label = path.basename(file);
  const staging = await store.tempDir();
  const untrack = trackTemp(staging);
  try {
    await extractArchive(file, staging);
    const dir = await findModelDir(staging, label);
    const info = await store.readInfo(dir).catch((err: unknown) => {
      throw new BentoError('BAD_ARCHIVE', `${label}: unreadable ${MODEL_INFO_FILE} (${isBentoError(err) ? err.message : String(err)})`);
    });
    checkInfo(info, dir === staging ? undefined : path.relative(staging, dir).split(path.sep), label);
    await verifyTree(dir, info.files, { exclude: [MODEL_INFO_FILE] }).catch((err: unknown) => {
      throw isBentoError(err) ? new BentoError('BAD_ARCHIVE', `${label}: ${err.message}; nothing was imported`) : err;
    });
    await checkModelBytes(await fs.readFile(path.join(dir, ...info.model_file.split('/'))), `${label}: ${info.model_file}`, { features: info.features.length });
    const name = rename ?? info.name;
    const wanted: ModelInfo = { ...info, name };
    const taken = (): BentoError =>
      new BentoError('ALREADY_EXISTS', `${label}: conflict: model ${name}:${info.version} is already in the store with other content; nothing was imported`);
    if (await store.has(name, info.version) && !sameModel(await store.readInfo(path.join(store.root, name, info.version)), wanted)) throw taken();
    const { info: stored, created } = await store.createOrKeep(name, info.version, async (tmp) => {
      // Same filesystem: moving the verified files is a rename each.
      for (const entry of await fs.readdir(dir)) {
        if (entry !== MODEL_INFO_FILE) await fs.rename(path.join(dir, entry), path.join(tmp, entry));
      }
      return wanted;
    });
    if (!created && !sameModel(stored, wanted)) throw taken();
    return stored;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
    untrack();
  }
}

/** The folder holding model.yaml: the archive root, or its single `<name>/<version>/`. */
async function findModelDir(root: string, label: string): Promise<string> {
  const exists = (p: string): Promise<boolean> => fs.access(p).then(() => true, () => false);
  if (await exists(path.join(root, MODEL_INFO_FILE))) return root;
  const found: string[] = [];
  for (const n of await fs.readdir(root)) {
    const nd = path.join(root, n);
    if (!(await fs.stat(nd)).isDirectory()) continue;
    for (const v of await fs.readdir(nd)) {
      if (await exists(path.join(nd, v, MODEL_INFO_FILE))) found.push(path.join(nd, v));
    }
  }
  if (found.length === 0) throw new BentoError('BAD_ARCHIVE', `${label} holds no model.yaml (expected <name>/<version>/model.yaml); nothing was imported`);
  if (found.length > 1) throw new BentoError('BAD_ARCHIVE', `${label} holds ${found.length} models; a model archive holds one`);
  return found[0]!;
}

/** What only an archive can get wrong (the reader has checked the rest): where the model sits, its file list. */
function checkInfo(info: ModelInfo, where: string[] | undefined, label: string): void {
  const bad = (msg: string): BentoError => new BentoError('BAD_ARCHIVE', `${label}: ${MODEL_INFO_FILE} ${msg}; nothing was imported`);
  if (where && (where[0] !== info.name || where[1] !== info.version)) {
    throw bad(`says ${info.name}:${info.version} but sits in ${where.join('/')}/`);
  }
  if (typeof info.model_file !== 'string' || !(info.model_file in info.files)) throw bad(`names a model file "${info.model_file}" that is not in its file list`);
}

/** A model name from a file name: `My Forest.json` → `my_forest`. */
function nameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.(json|onnx)$/i, '');
  const name = base.toLowerCase().replace(/[^a-z0-9._-]+/g, '_').replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  if (!NAME_RE.test(name)) throw new BentoError('BAD_ARGUMENT', `cannot make a model name from "${path.basename(file)}"; pass --name`);
  return name;
}

function featureNames(n: number | null, given: string[] | undefined, fromFile: string[] | undefined): string[] {
  if (given) {
    if (n !== null && given.length !== n) throw new BentoError('BAD_ARGUMENT', `--features lists ${given.length} names but the model takes ${n} features`);
    return given;
  }
  if (fromFile && (n === null || fromFile.length === n)) return fromFile;
  // Width unknown and unnamed: a model for handler APIs until --features names its columns.
  if (n === null) return [];
  return Array.from({ length: n }, (_, i) => `f${i}`);
}

async function importMlRandomForest(file: string, bytes: Buffer, opts: ImportOptions): Promise<ModelInfo> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new BentoError('BAD_MODEL', `${path.basename(file)} is not valid JSON (${(err as Error).message})`);
  }
  let forest: ReturnType<typeof mlRandomForestToForest>;
  try {
    forest = mlRandomForestToForest(json, opts.features ? { nFeatures: opts.features.length } : {});
  } catch (err) {
    throw isBentoError(err) ? new BentoError(err.code, `${path.basename(file)}: ${err.message}`, err.details) : err;
  }
  const features = featureNames(forest.nFeatures, opts.features, undefined);
  const onnx = forestToOnnx(forest, { featureNames: features, docString: `imported from the ml-random-forest model ${path.basename(file)}` });
  await checkModelBytes(onnx, path.basename(file), { features: features.length });
  return saveModel({
    name: opts.name ?? nameFromFile(file),
    onnx,
    info: {
      source: 'ml-random-forest',
      signature: rowsSignature(forest.nFeatures),
      features,
      metrics: {},
      params: { n_estimators: forest.trees.length },
      labels: {},
    },
  });
}

async function importOnnx(file: string, bytes: Buffer, opts: ImportOptions): Promise<ModelInfo> {
  const label = path.basename(file);
  let sig: OnnxSignature;
  try {
    // Limits first, then onnxruntime: refuse now what could not be served later (or would crash it).
    sig = await checkModelBytes(bytes, label, { load: false });
  } catch (err) {
    if (isBentoError(err) && /^[^:]*: not an ONNX model/.test(err.message) && !/\.onnx$/i.test(file)) {
      throw new BentoError('BAD_ARCHIVE', `${label} is not a model archive (.tar.gz, .tar, .zip), an ml-random-forest JSON model or an ONNX model`);
    }
    throw err;
  }
  if (opts.features && !sig.rows) {
    const inputs = sig.inputs.map((i) => `${i.name} ${i.type} [${i.shape.join(', ')}]`).join('; ');
    throw new BentoError('BAD_ARGUMENT', `--features names the columns of a model taking rows of features (one 2-D numeric input); ${label} takes ${inputs}`);
  }
  const features = sig.rows ? featureNames(sig.nFeatures, opts.features, sig.featureNames) : [];
  await checkModelBytes(bytes, label, { features: features.length });
  return saveModel({
    name: opts.name ?? nameFromFile(file),
    onnx: bytes, // the original bytes, unchanged
    info: {
      source: 'onnx',
      signature: graphSignature(sig),
      features,
      ...(sig.task ? { task: sig.task } : {}),
      ...(sig.classLabels ? { class_labels: sig.classLabels } : {}),
      metrics: {},
      params: {},
      labels: {},
    },
  });
}

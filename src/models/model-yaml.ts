/**
 * The one reader and writer of `model.yaml`: every reading (the model store, model import, the runtime
 * in a bento) goes through `checkModelInfo`, with the same strictness and the same error code (BAD_MODEL).
 */
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { checkPreprocessing } from './preprocessing.js';
import { isInsidePath } from '../store/digest.js';
import { isMap, parseInfoYaml, readInfoFileSync } from '../store/info-file.js';
import type { InfoCodec } from '../store/store.js';
import { NAME_RE, VERSION_RE } from '../store/tag.js';
import { isValueType } from '../onnx/value-types.js';
import type { ModelInfo, TensorSpec } from './model-info.js';

/** The model's metadata file, the one file not listed in `files`. */
export const MODEL_INFO_FILE = 'model.yaml';

const HEX64 = /^[0-9a-f]{64}$/;


function checkTensors(x: unknown, field: string, bad: (field: string, why: string) => BentoError): TensorSpec[] {
  if (!Array.isArray(x) || x.length === 0) throw bad(field, 'is not a list of tensors');
  for (const [i, t] of x.entries()) {
    const ok =
      isMap(t) &&
      typeof t.name === 'string' &&
      Array.isArray(t.shape) &&
      t.shape.every((d) => typeof d === 'string' || (Number.isInteger(d) && (d as number) >= 0)) &&
      typeof t.dtype === 'string' &&
      isValueType(t.dtype);
    if (!ok) throw bad(`${field}/${i}`, 'needs name, shape (numbers or symbols) and dtype (an element type such as float32 or int64, or seq(map(int64,float32)))');
  }
  return x as TensorSpec[];
}

/**
 * Checks parsed model.yaml data; `label` names its origin in errors. Throws BAD_MODEL naming the field.
 * Name and version are checked strictly: they become folder names in the store.
 */
export function checkModelInfo(data: unknown, label: string): ModelInfo {
  const bad = (field: string, why: string): BentoError => new BentoError('BAD_MODEL', `${label}: ${field} ${why}`, [{ path: `/${field}`, message: why }]);
  if (!isMap(data)) throw bad('', 'is not a mapping');
  const d = data;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name)) throw bad('name', 'is missing or not a valid model name');
  if (typeof d.version !== 'string' || !VERSION_RE.test(d.version) || d.version === 'latest') throw bad('version', 'is missing or not a valid version');
  if (typeof d.creation_time !== 'string') throw bad('creation_time', 'is missing');
  if (typeof d.source !== 'string') throw bad('source', 'is missing');
  if (typeof d.model_file !== 'string' || !isInsidePath(d.model_file)) throw bad('model_file', 'is missing or not a relative path inside the model');
  if (!isMap(d.signature)) throw bad('signature', 'is missing');
  checkTensors(d.signature.inputs, 'signature/inputs', bad);
  checkTensors(d.signature.outputs, 'signature/outputs', bad);
  if (!Array.isArray(d.features) || !d.features.every((f) => typeof f === 'string')) throw bad('features', 'is not a list of names');
  if (d.task !== undefined && d.task !== 'regressor' && d.task !== 'classifier') throw bad('task', 'is neither regressor nor classifier');
  if (d.class_labels !== undefined) {
    const labels = d.class_labels;
    const ok = Array.isArray(labels) && (labels.every((l) => typeof l === 'string') || labels.every((l) => Number.isSafeInteger(l)));
    if (!ok) throw bad('class_labels', 'is not a list of strings or a list of integers');
  }
  for (const key of ['metrics', 'params', 'labels', 'files'] as const) {
    if (!isMap(d[key])) throw bad(key, 'is missing or not a mapping');
  }
  if (d.preprocessing !== undefined) checkPreprocessing(d.preprocessing, d.features as string[], label);
  for (const [rel, digest] of Object.entries(d.files as Record<string, unknown>)) {
    if (typeof digest !== 'string' || !HEX64.test(digest)) throw bad(`files/${rel}`, 'is not a sha256 digest');
  }
  return d as unknown as ModelInfo;
}

/** Parses model.yaml text (`file` names it in errors) and checks it. */
export function parseModelInfo(text: string, file: string): ModelInfo {
  return checkModelInfo(parseInfoYaml(text, file, 'BAD_MODEL'), file);
}

/** model.yaml text: plain data (no YAML anchors), long lines kept whole. */
export function stringifyModelInfo(info: ModelInfo): string {
  return YAML.stringify(info, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The model store's codec for model.yaml. */
export const modelInfoCodec: InfoCodec<ModelInfo> = { parse: parseModelInfo, stringify: stringifyModelInfo };

/**
 * Reads `<dir>/model.yaml`, checked (synchronously: the runtime calls it at start-up).
 * A missing file is FILE_NOT_FOUND.
 *
 * @example
 *   const info = readModelInfo(path.join(bentoDir, 'models', name, version));
 */
export function readModelInfo(dir: string): ModelInfo {
  return readInfoFileSync(dir, MODEL_INFO_FILE, 'model', parseModelInfo);
}

/**
 * The one gate a model file passes before it lands in a store (ONNX and ml-random-forest import, model
 * and bento archives, a build's models): readable ONNX, its tree ensembles (regressors and classifiers)
 * within the depth/node/feature limits (checked before onnxruntime sees the bytes: a too-deep tree crashes
 * it), as wide as the features it claims, and loadable by onnxruntime. So whatever import accepts can be served.
 */
import { BentoError, isBentoError } from '../errors.js';
import { checkTreeLimits, modelLimits, type ModelLimits } from '../onnx/limits.js';
import { decodeModel } from '../onnx/proto.js';
import { signatureOf, type OnnxSignature } from '../onnx/read.js';
import { loadSession } from '../onnx/session.js';

export interface ModelCheckOptions {
  /** The feature count the model's metadata claims (0: none, not a rows model); the model's input must be that wide. */
  features?: number;
  limits?: ModelLimits;
  /** Load it in onnxruntime too (default true). */
  load?: boolean;
}

/** Prefixes a coded error's message with `label` (the file or tag), keeping code and details. */
function labelled(err: unknown, label: string): unknown {
  return isBentoError(err) ? new BentoError(err.code, `${label}: ${err.message}`, err.details) : err;
}

/**
 * Checks ONNX bytes as a servable model and returns its signature. Every refusal is BAD_MODEL
 * starting with `label`.
 *
 * @example
 *   const sig = await checkModelBytes(bytes, 'rf.onnx');
 */
export async function checkModelBytes(bytes: Uint8Array, label: string, opts: ModelCheckOptions = {}): Promise<OnnxSignature> {
  let sig: OnnxSignature;
  try {
    const model = decodeModel(bytes);
    sig = signatureOf(model);
    const fixed = sig.rows && typeof sig.inputShape[1] === 'number' ? sig.inputShape[1] : null;
    checkTreeLimits(model, fixed, opts.limits ?? modelLimits());
    const reads = fixed ?? sig.nFeatures;
    if (opts.features && !sig.rows) {
      throw new BentoError('BAD_MODEL', `its metadata lists ${opts.features} features but the model does not take rows of features (inputs: ${sig.inputs.map((i) => `${i.name} ${i.type} [${i.shape.join(', ')}]`).join('; ')})`);
    }
    if (opts.features && reads !== null && (fixed !== null ? fixed !== opts.features : reads > opts.features)) {
      throw new BentoError('BAD_MODEL', `the model reads ${reads} features but its metadata lists ${opts.features}`);
    }
  } catch (err) {
    throw labelled(err, label);
  }
  if (opts.load !== false) {
    try {
      await loadSession(bytes);
    } catch (err) {
      throw labelled(err, label);
    }
  }
  return sig;
}

/**
 * Running a forest model with onnxruntime-node in-process: one session per model, float32 rows in,
 * one float32 prediction per row out.
 */
import * as ort from 'onnxruntime-node';
import { BentoError } from '../errors.js';

export type Session = ort.InferenceSession;

export interface SessionOptions {
  /** Threads for one inference (default 1: a server parallelises across requests, not inside one). */
  intraOpNumThreads?: number;
}

/**
 * Loads an ONNX model from a file path or its bytes. A file onnxruntime cannot load is BAD_MODEL.
 *
 * @example
 *   const s = await loadSession('models/x/v1/model.onnx');
 *   const y = await runForest(s, s.inputNames[0]!, new Float32Array([1, 2, 3]), 1, 3);
 */
export async function loadSession(pathOrBytes: string | Uint8Array, opts: SessionOptions = {}): Promise<Session> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  };
  try {
    return typeof pathOrBytes === 'string'
      ? await ort.InferenceSession.create(pathOrBytes, options)
      : await ort.InferenceSession.create(pathOrBytes, options);
  } catch (err) {
    const where = typeof pathOrBytes === 'string' ? pathOrBytes : 'the model bytes';
    throw new BentoError('BAD_MODEL', `onnxruntime cannot load ${where}: ${(err as Error).message}`);
  }
}

/**
 * Runs `rows` rows of `nFeatures` float32 features (row-major) through the session and returns its
 * first output, one value per row.
 */
export async function runForest(
  session: Session,
  inputName: string,
  x: Float32Array,
  rows: number,
  nFeatures: number,
): Promise<Float32Array> {
  if (x.length !== rows * nFeatures) {
    throw new BentoError('INTERNAL', `runForest: ${x.length} values for ${rows} rows × ${nFeatures} features`);
  }
  const feeds = { [inputName]: new ort.Tensor('float32', x, [rows, nFeatures]) };
  const outName = session.outputNames[0]!;
  const result = await session.run(feeds, [outName]);
  const out = result[outName]!;
  if (out.type !== 'float32' || out.data.length !== rows) {
    throw new BentoError('BAD_MODEL', `model output "${outName}" is ${out.type} × ${out.data.length}, expected float32 × ${rows}`);
  }
  return out.data as Float32Array;
}

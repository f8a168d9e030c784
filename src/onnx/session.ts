/**
 * The one onnxruntime-node wrapper: finding the library (a bento's own copy first, else normal module
 * resolution, version-checked), and one session per model that turns float32 rows into the model's first
 * output, one value per row. Used by training's parity check, model import and the runtime alike.
 *
 * onnxruntime-node is only ever loaded here, at run time and on demand: a static import would be resolved
 * by a bento's bundle from wherever it runs, which could load the host's copy instead of the bento's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { BentoError } from '../errors.js';
import type { Feed, ModelOutput } from './tensors.js';

/** The onnxruntime-node module (or a stand-in with the same shape, as tests inject). */
export type Ort = typeof OrtModule;

export interface LoadOrtOptions {
  /** A bento folder: `<bentoDir>/env/node_modules/onnxruntime-node` is used when present. */
  bentoDir?: string;
  /** The version the bento was built with (bento.yaml `runtime.onnxruntime_node`); another is VERSION_MISMATCH. */
  expectedVersion?: string;
}

/**
 * Loads onnxruntime-node: from the bento's `env/node_modules` first (so a bento needs nothing installed),
 * else through normal module resolution; checks its version against the bento's.
 *
 * @example
 *   const ort = await loadOnnxRuntime({ bentoDir, expectedVersion: info.runtime.onnxruntime_node });
 */
export async function loadOnnxRuntime(opts: LoadOrtOptions = {}): Promise<Ort> {
  let ort: Ort;
  let where = 'onnxruntime-node';
  const bundled = opts.bentoDir ? path.join(opts.bentoDir, 'env', 'node_modules', 'onnxruntime-node') : undefined;
  try {
    if (bundled && existsSync(path.join(bundled, 'package.json'))) {
      where = bundled;
      ort = createRequire(path.join(opts.bentoDir!, 'env', 'package.json'))(bundled) as Ort;
    } else {
      ort = normalise(await import('onnxruntime-node'));
    }
  } catch (err) {
    throw new BentoError('MISSING_DEPENDENCY', `cannot load ${where}: ${(err as Error).message}`);
  }
  const version = versionOf(ort, bundled);
  if (opts.expectedVersion && version && version !== opts.expectedVersion) {
    throw new BentoError(
      'VERSION_MISMATCH',
      `onnxruntime-node ${version} is installed but the bento was built with ${opts.expectedVersion} (${where})`,
    );
  }
  return ort;
}

/** An ESM import of a CommonJS package may put the exports under `default`. */
function normalise(mod: unknown): Ort {
  const m = mod as Ort & { default?: Ort };
  return m.InferenceSession ? m : (m.default as Ort);
}

function versionOf(ort: Ort, dir: string | undefined): string | undefined {
  const fromEnv = (ort.env as { versions?: { node?: string } }).versions?.node;
  if (fromEnv) return fromEnv;
  if (dir && existsSync(path.join(dir, 'package.json'))) {
    return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string }).version;
  }
  return undefined;
}

export interface SessionOptions {
  /** Threads for one inference (default 1: a server parallelises across requests, not inside one). */
  intraOpNumThreads?: number;
  /** The library to use (default: `loadOnnxRuntime()` by normal module resolution). */
  onnxruntime?: Ort;
}

/** One loaded model: float32 rows in, its first output (one value per row) out. */
export class Session {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    /** The graph's first input, fed by `run`. */
    readonly inputName: string,
    /** The graph's first output, returned by `run`. */
    readonly outputName: string,
  ) {}

  /** Every graph input name. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Every graph output name. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Loads a model from a file path or its bytes. A model onnxruntime cannot load is BAD_MODEL. */
  static async load(pathOrBytes: string | Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const ort = opts.onnxruntime ?? (await loadOnnxRuntime());
    const where = typeof pathOrBytes === 'string' ? pathOrBytes : 'the model bytes';
    const options: OrtModule.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    let session: OrtModule.InferenceSession;
    try {
      session =
        typeof pathOrBytes === 'string'
          ? await ort.InferenceSession.create(pathOrBytes, options)
          : await ort.InferenceSession.create(pathOrBytes, options);
    } catch (err) {
      throw new BentoError('BAD_MODEL', `onnxruntime cannot load ${where}: ${(err as Error).message}`);
    }
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    if (!input || !output) throw new BentoError('BAD_MODEL', `${where} has no input or no output`);
    return new Session(ort, session, input, output);
  }

  /**
   * Runs the model on named inputs (see Feed) and answers the requested outputs (default: all) by name.
   * Contract for handler APIs and the Open Inference Protocol; implemented with issue 11's "any model".
   */
  async runFeeds(_feeds: Record<string, Feed>, _outputs?: string[]): Promise<Record<string, ModelOutput>> {
    throw new BentoError('INTERNAL', 'Session.runFeeds is not implemented yet');
  }

  /**
   * Runs `rows` rows of `width` float32 features (row-major) through the model, fed to `inputName`
   * (default: the first input); returns the first output, one value per row.
   */
  async run(data: Float32Array, rows: number, width: number, inputName = this.inputName): Promise<Float32Array> {
    if (data.length !== rows * width) {
      throw new BentoError('INTERNAL', `session.run: ${data.length} values for ${rows} rows × ${width} features`);
    }
    const feeds = { [inputName]: new this.ort.Tensor('float32', data, [rows, width]) };
    const result = await this.session.run(feeds, [this.outputName]);
    const out = result[this.outputName]!;
    if (out.type !== 'float32' || out.data.length !== rows) {
      throw new BentoError('BAD_MODEL', `model output "${this.outputName}" is ${out.type} × ${out.data.length}, expected float32 × ${rows}`);
    }
    return out.data as Float32Array;
  }
}

/**
 * Loads an ONNX model from a file path or its bytes (see `Session.load`).
 *
 * @example
 *   const s = await loadSession('models/x/v1/model.onnx');
 *   const y = await runForest(s, s.inputName, new Float32Array([1, 2, 3]), 1, 3);
 */
export function loadSession(pathOrBytes: string | Uint8Array, opts: SessionOptions = {}): Promise<Session> {
  return Session.load(pathOrBytes, opts);
}

/**
 * Runs `rows` rows of `nFeatures` float32 features (row-major) fed to `inputName`, and returns the first
 * output, one value per row.
 */
export function runForest(session: Session, inputName: string, x: Float32Array, rows: number, nFeatures: number): Promise<Float32Array> {
  return session.run(x, rows, nFeatures, inputName);
}

/**
 * onnxruntime-node for the runtime: finding the library (the bento's own copy first), and one session per
 * model that turns float32 rows into one float32 output per row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { BentoError } from '../errors.js';

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

export interface RunnerOptions {
  /** Threads inside one call (1 in production workers: the workers are the parallelism). */
  intraOpNumThreads?: number;
}

/** One loaded model: float32 rows in, the first output (one value per row) out. */
export class ModelRunner {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    /** Graph input name. */
    readonly inputName: string,
    readonly outputName: string,
  ) {}

  /**
   * @example
   *   const runner = await ModelRunner.load(ort, 'models/x/v1/model.onnx');
   *   const y = await runner.run(new Float32Array([1, 2, 3, 4, 5]), 1, 5);
   */
  static async load(ort: Ort, onnxPath: string, opts: RunnerOptions = {}): Promise<ModelRunner> {
    let session: OrtModule.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnxPath, {
        intraOpNumThreads: opts.intraOpNumThreads ?? 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
    } catch (err) {
      throw new BentoError('BAD_MODEL', `onnxruntime cannot load ${onnxPath}: ${(err as Error).message}`);
    }
    const input = session.inputNames[0];
    const output = session.outputNames[0];
    if (!input || !output) throw new BentoError('BAD_MODEL', `${onnxPath} has no input or no output`);
    return new ModelRunner(ort, session, input, output);
  }

  /** Runs `rows` rows of `width` features (row-major); one output per row. */
  async run(data: Float32Array, rows: number, width: number): Promise<Float32Array> {
    const feeds = { [this.inputName]: new this.ort.Tensor('float32', data, [rows, width]) };
    const result = await this.session.run(feeds, [this.outputName]);
    const out = result[this.outputName]!;
    if (out.type !== 'float32' || out.data.length !== rows) {
      throw new BentoError('BAD_MODEL', `model output "${this.outputName}" is ${out.type} × ${out.data.length}, expected float32 × ${rows}`);
    }
    return out.data as Float32Array;
  }
}

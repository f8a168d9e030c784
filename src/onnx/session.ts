/**
 * The one onnxruntime-node wrapper: finding the library (a bento's own copy first, else normal module
 * resolution, version-checked), and one session per model that runs named feeds (any model) or float32 rows
 * (the rows API: one value per row). Used by training's parity check, model import and the runtime alike.
 *
 * onnxruntime-node is only ever loaded here, at run time and on demand: a static import would be resolved
 * by a bento's bundle from wherever it runs, which could load the host's copy instead of the bento's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as OrtModule from 'onnxruntime-node';
import { BentoError } from '../errors.js';
import { toTensor, toTensors } from './feeds.js';
import { decodeModel, type ModelProto } from './proto.js';
import { signatureOf } from './read.js';
import type { Feed, ModelOutput, TensorData, TensorType } from './tensors.js';
import { elementTypeOf, isNumericType, isTensorType, type ValueSpec } from './value-types.js';
import { findZipMaps, withZipMapInputs, zipMapType, type ZipMapOutput } from './zipmap.js';

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

/**
 * One loaded model: named feeds in, named outputs out (`runFeeds`, any model), or float32 rows in and one
 * number per row out (`run`, the rows API's path).
 */
export class Session {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtModule.InferenceSession,
    /** The graph's inputs and outputs, as the model file states them (a ZipMap's output as seq(map(…))). */
    readonly signature: { inputs: ValueSpec[]; outputs: ValueSpec[] },
    /** Outputs made by a ZipMap, answered as one `{label: probability}` object per row. */
    private readonly zipMaps: ReadonlyMap<string, ZipMapOutput>,
    /** The graph's first input, fed by `run`. */
    readonly inputName: string,
    /** The output `run` returns: the first numeric output with one value per row (else the first output). */
    readonly outputName: string,
    /** Why `run` (rows of features in, one number per row out) cannot serve this model; undefined when it can. */
    readonly notRows: string | undefined,
  ) {}

  /** Every graph input name. */
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  /** Every graph output name. */
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Loads a model from a file path or its bytes. A model onnxruntime cannot load is BAD_MODEL. For a ZipMap
   * output (which onnxruntime-node cannot return) the session fetches the probabilities it reads: see zipmap.ts.
   */
  static async load(pathOrBytes: string | Uint8Array, opts: SessionOptions = {}): Promise<Session> {
    const ort = opts.onnxruntime ?? (await loadOnnxRuntime());
    const where = typeof pathOrBytes === 'string' ? pathOrBytes : 'the model bytes';
    const options: OrtModule.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    const cannotLoad = (err: unknown): BentoError => new BentoError('BAD_MODEL', `onnxruntime cannot load ${where}: ${(err as Error).message}`);
    const create = async (source: string | Uint8Array): Promise<OrtModule.InferenceSession> => {
      try {
        return typeof source === 'string' ? await ort.InferenceSession.create(source, options) : await ort.InferenceSession.create(source, options);
      } catch (err) {
        throw cannotLoad(err);
      }
    };
    let bytes: Uint8Array;
    try {
      bytes = typeof pathOrBytes === 'string' ? await readFile(pathOrBytes) : pathOrBytes;
    } catch (err) {
      throw cannotLoad(err);
    }
    // ZipMaps, found by a shallow walk (well under a millisecond for a 49 MB forest): the session is made
    // from the bytes with their probability tensors as outputs.
    const zipMaps = new Map(findZipMaps(bytes).map((z) => [z.output, z]));
    const added = new Set([...zipMaps.values()].filter((z) => !z.isOutput).map((z) => z.input));
    const session = await create(zipMaps.size > 0 ? withZipMapInputs(bytes, [...zipMaps.values()]) : pathOrBytes);
    if (!session.inputNames[0] || !session.outputNames[0]) throw new BentoError('BAD_MODEL', `${where} has no input or no output`);
    const meta = metadataOf(session, added);
    // The signature: onnxruntime's metadata when it has described every value (a ZipMap's output from its
    // labels); else the graph decoded, which costs seconds for a big model (10 s for 27 MB with protobufjs).
    let sig: { inputs: ValueSpec[]; outputs: ValueSpec[] };
    const described = meta && [...meta.inputs, ...meta.outputs].every((v) => v.type !== undefined || zipMaps.has(v.name));
    if (meta && described) {
      const spec = (v: Described): ValueSpec => ({ name: v.name, type: v.type ?? zipMapType(zipMaps.get(v.name)!), shape: v.shape });
      sig = { inputs: meta.inputs.map(spec), outputs: meta.outputs.map(spec) };
    } else {
      let model: ModelProto;
      try {
        model = decodeModel(bytes);
      } catch (err) {
        throw cannotLoad(err);
      }
      sig = signatureOf(model);
    }
    const input = session.inputNames[0]!;
    // A numeric output that may hold one value per row, as far as its declared shape says (a rank the graph
    // leaves open, or a symbolic width, may); `run` checks the count it gets.
    const perRow = sig.outputs.find(
      (o) => !zipMaps.has(o.name) && isNumericType(o.type) && (o.shape.length <= 1 || (o.shape.length === 2 && (o.shape[1] === 1 || typeof o.shape[1] === 'string'))),
    );
    const text = (v: ValueSpec): string => `${v.name} ${v.type} [${v.shape.join(', ')}]`;
    const notRows =
      sig.inputs.length !== 1 || !isNumericType(sig.inputs[0]!.type) || sig.inputs[0]!.shape.length !== 2
        ? `${where} takes ${sig.inputs.map(text).join('; ')}, not rows of numbers (one 2-D numeric input)`
        : !perRow
          ? `${where} has no output with one number per row (${sig.outputs.map(text).join('; ')})`
          : undefined;
    return new Session(ort, session, { inputs: sig.inputs, outputs: sig.outputs }, zipMaps, input, perRow?.name ?? session.outputNames[0]!, notRows);
  }

  /**
   * One call on zeros of every input (a dynamic dim taken as 1), to absorb onnxruntime's one-off set-up cost
   * before the first request. Resolves whether it ran: a model that refuses zeros is simply not warmed.
   */
  async warmUp(): Promise<boolean> {
    // Plain zeros (empty strings), typed from the signature by runFeeds' own conversion.
    const feeds: Record<string, Feed> = {};
    for (const input of this.signature.inputs) {
      if (!isTensorType(input.type)) return false;
      const dims = input.shape.map((d) => (typeof d === 'number' ? d : 1));
      const n = dims.reduce((a, b) => a * b, 1);
      if (n > 1 << 20) return false;
      feeds[input.name] = { dims, data: new Array<number | string>(n).fill(input.type === 'string' ? '' : 0) };
    }
    return this.runFeeds(feeds).then(
      () => true,
      () => false,
    );
  }

  /**
   * Runs the model on named inputs (see Feed) and answers the requested outputs (default, or `[]`: all) by name.
   * Feeds are checked against the signature (names, element types, ranks, fixed dims): INVALID_INPUT naming
   * the input. A ZipMap output is one `{label: probability}` object per row.
   *
   * @example
   *   const out = await session.runFeeds({ X: [[5.1, 3.5, 1.4, 0.2]] });
   *   // { label: { type: 'int64', dims: [1], data: BigInt64Array [0n] }, probabilities: [{ '0': 0.9, '1': 0.1 }] }
   */
  async runFeeds(feeds: Record<string, Feed>, outputs?: string[]): Promise<Record<string, ModelOutput>> {
    // No list, or an empty one: every output (as the Open Inference Protocol reads an absent `outputs`).
    const chosen = outputs !== undefined && outputs.length > 0;
    const wanted = chosen ? [...new Set(outputs)] : this.signature.outputs.map((o) => o.name);
    for (const name of wanted) {
      const spec = this.signature.outputs.find((o) => o.name === name);
      if (!spec) {
        throw new BentoError('INVALID_INPUT', `unknown output "${name}"; the model's outputs are ${this.signature.outputs.map((o) => `"${o.name}"`).join(', ')}`);
      }
      if (!isTensorType(spec.type) && !this.zipMaps.has(name)) {
        if (chosen) throw new BentoError('INVALID_INPUT', `output "${name}" is ${spec.type}, which onnxruntime-node cannot return`);
      }
    }
    // Asked for nothing in particular: every output that can be answered. A ZipMap's: its probability tensor.
    const answered = wanted.filter((name) => this.zipMaps.has(name) || isTensorType(this.signature.outputs.find((o) => o.name === name)!.type));
    const fetch = [...new Set(answered.map((name) => this.zipMaps.get(name)?.input ?? name))];
    const tensors = toTensors(feeds, this.signature.inputs);
    const ortFeeds: Record<string, OrtModule.Tensor> = {};
    for (const [name, t] of Object.entries(tensors)) ortFeeds[name] = new this.ort.Tensor(t.type, t.data as never, t.dims);
    let result: OrtModule.InferenceSession.ReturnType;
    try {
      result = await this.session.run(ortFeeds, fetch);
    } catch (err) {
      // The signature let it through, but onnxruntime refused it (a dim two inputs must share, a value out of range…).
      throw new BentoError('INVALID_INPUT', `the model refused the input: ${(err as Error).message}`);
    }
    const answer: Record<string, ModelOutput> = {};
    for (const name of answered) {
      const zip = this.zipMaps.get(name);
      const out = result[zip?.input ?? name]!;
      answer[name] = zip ? toMaps(out, zip) : { type: out.type as TensorType, dims: [...out.dims], data: out.data as TensorData };
    }
    return answer;
  }

  /**
   * Runs `rows` rows of `width` float32 features (row-major) through the model, fed to `inputName`
   * (default: the first input, converted to its numeric type); returns `outputName`, one value per row
   * (a classifier's label when it is a number).
   */
  async run(data: Float32Array, rows: number, width: number, inputName = this.inputName): Promise<Float32Array> {
    if (this.notRows) throw new BentoError('BAD_MODEL', `${this.notRows}: serve it through a handler API (ctx.models.x.run(feeds))`);
    if (data.length !== rows * width) {
      throw new BentoError('INTERNAL', `session.run: ${data.length} values for ${rows} rows × ${width} features`);
    }
    const type = this.signature.inputs.find((i) => i.name === inputName)?.type ?? 'float32';
    const feed = type === 'float32' ? data : toTensor({ name: inputName, type, shape: [] }, { data, dims: [rows, width] }).data;
    const feeds = { [inputName]: new this.ort.Tensor(type as TensorType, feed as never, [rows, width]) };
    const result = await this.session.run(feeds, [this.outputName]);
    const out = result[this.outputName]!;
    if (out.data.length !== rows || !isNumericType(out.type)) {
      throw new BentoError('BAD_MODEL', `model output "${this.outputName}" is ${out.type} × ${out.data.length}, expected one number per row (${rows}): serve it through a handler API (ctx.models.x.run(feeds))`);
    }
    if (out.data instanceof Float32Array) return out.data;
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) y[i] = Number(out.data[i]);
    return y;
  }
}

/** A graph value as onnxruntime describes it: `type` undefined for a non-tensor. */
interface Described {
  name: string;
  type: ValueSpec['type'] | undefined;
  shape: ValueSpec['shape'];
}

/**
 * The inputs and outputs as onnxruntime describes them, but for the outputs `added` to the graph here;
 * undefined when the library does not describe them (a stand-in may not).
 */
function metadataOf(session: OrtModule.InferenceSession, added: ReadonlySet<string>): { inputs: Described[]; outputs: Described[] } | undefined {
  const { inputMetadata, outputMetadata } = session as Partial<Pick<OrtModule.InferenceSession, 'inputMetadata' | 'outputMetadata'>>;
  if (!inputMetadata || !outputMetadata) return undefined;
  const describe = (m: OrtModule.InferenceSession.ValueMetadata): Described =>
    m.isTensor
      ? { name: m.name, type: elementTypeOf(m.type), shape: m.shape.map((d) => (typeof d === 'number' ? (d >= 0 ? d : '?') : d === '' ? '?' : d)) }
      : { name: m.name, type: undefined, shape: [] };
  return { inputs: inputMetadata.map(describe), outputs: outputMetadata.filter((m) => !added.has(m.name)).map(describe) };
}

/** A ZipMap's probability tensor `[N, C]` as N `{label: probability}` objects. */
function toMaps(out: OrtModule.Tensor, zip: ZipMapOutput): Array<Record<string, number>> {
  const c = zip.labels.length;
  const p = out.data as Float32Array;
  if (p.length % c !== 0) throw new BentoError('BAD_MODEL', `output "${zip.output}": ${p.length} probabilities for ${c} class labels`);
  const rows: Array<Record<string, number>> = new Array(p.length / c);
  for (let r = 0; r < rows.length; r++) {
    const m: Record<string, number> = {};
    for (let j = 0; j < c; j++) m[String(zip.labels[j])] = p[r * c + j]!;
    rows[r] = m;
  }
  return rows;
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

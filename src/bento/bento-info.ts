/**
 * What a built bento says about itself, in `bentos/<name>/<version>/bento.yaml`. Everything `bento get`
 * shows comes from here; the runtime reads the models, APIs and runtime versions from it.
 */
import type { JSONSchema } from '../sdk/index.js';

export interface BentoModelRef {
  /** The alias the service uses for this model (a key of `service({ models })`). */
  alias: string;
  /** Exact tag `name:version`; the files are in `models/<name>/<version>/`. */
  tag: string;
  /** `sha256:<hex>` of the model's `model.onnx`. */
  digest: string;
}

export interface BentoApi {
  name: string;
  route: string;
  input: JSONSchema;
  output: JSONSchema;
  batchable: boolean;
  max_batch_size: number;
  max_latency_ms: number;
  /** Alias of the model the API runs. */
  model: string;
  doc?: string;
}

export interface BentoInfo {
  name: string;
  /** 16 lowercase hex chars derived from the content (or the one given with `--version`). */
  version: string;
  /** ISO 8601. */
  creation_time: string;
  description: string;
  labels: Record<string, string>;
  /** `file:export` of the service in the project, e.g. `service.ts:svc`. */
  service: string;
  models: BentoModelRef[];
  apis: BentoApi[];
  /** `body_timeout` and `max_request_size` only when the service sets them (else the runtime's defaults apply). */
  traffic: { timeout: number; max_concurrency: number; body_timeout?: number; max_request_size?: number };
  envs: Array<{ name: string; value: string }>;
  docker: { base_image: string; env: Record<string, string>; system_packages: string[] };
  runtime: { node: string; onnxruntime_node: string; entry: string };
  /** sha256 (hex) of every file in the bento except bento.yaml, by relative POSIX path, sorted. */
  files: Record<string, string>;
}

/** The bento's metadata file, the one file not listed in `files`. */
export const BENTO_INFO_FILE = 'bento.yaml';
/** Where the bundled service lives in a bento. */
export const BENTO_ENTRY = 'src/service.cjs';
/** Where a bento carries its copy of the Dockerfile template. */
export const BENTO_DOCKERFILE = 'env/docker/Dockerfile';
/** The image a bento builds on unless `docker.base_image` (or `--base-image`) says otherwise. */
export const DEFAULT_BASE_IMAGE = 'node:20-bookworm-slim';

/**
 * The build plan, computed without touching the disk: which file goes where in the bento, what bento.yaml
 * says, and the version — a digest of everything the bento holds, so an unchanged rebuild gives the same
 * version and a change anywhere (code, model, bentofile, runtime) gives a new one.
 */
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { compareBytes } from '../store/digest.js';
import { BENTO_DOCKERFILE, BENTO_ENTRY, type BentoApi, type BentoInfo } from '../bento/bento-info.js';
import { canonicalJson, contentVersion, OPENAPI_FILE, sha256 } from '../bento/content-version.js';
import { openApiDocument } from './openapi.js';
import type { ResolvedBuild } from './resolve.js';

/** One file of the bento, with where its bytes come from. */
export interface PlannedFile {
  /** Relative POSIX path in the bento. */
  path: string;
  /** Hex sha256 of the bytes. */
  digest: string;
  /** `link`: may be hard-linked from its source (immutable package files), else copied. */
  source: { kind: 'file'; from: string; link?: boolean } | { kind: 'bytes'; data: Uint8Array };
}

/** A file on disk that goes into the bento, digested by the caller. */
export interface InputFile {
  from: string;
  to: string;
  digest: string;
  link?: boolean;
}

export interface PlanInput {
  build: ResolvedBuild;
  /** The esbuild bundle. */
  bundle: Uint8Array;
  /** Project sources (`to` relative to the project; they land under src/). */
  sources: InputFile[];
  /** Files of every model folder (`to` relative to the bento). */
  models: InputFile[];
  /** onnxruntime packages and bundle assets (`to` relative to the bento). */
  env: InputFile[];
  /** The Dockerfile template, when there is one. */
  dockerfile?: InputFile;
  runtime: { node: string; onnxruntime_node: string };
  /** `--version`: use this instead of the content digest. */
  version?: string;
  /** ISO 8601 creation time. */
  now: string;
}

export interface BuildPlan {
  info: BentoInfo;
  files: PlannedFile[];
}

export { canonicalJson, sha256 };

const sorted = <V>(o: Record<string, V>): Record<string, V> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => compareBytes(a, b)));

function bytesFile(path: string, data: Uint8Array | string): PlannedFile {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  return { path, digest: sha256(bytes), source: { kind: 'bytes', data: bytes } };
}

const diskFile = (f: InputFile, path = f.to): PlannedFile => ({ path, digest: f.digest, source: { kind: 'file', from: f.from, ...(f.link ? { link: true } : {}) } });

/**
 * APIs as bento.yaml records them: the settings exactly as `service()` resolved them (the builder adds no
 * defaults of its own); schemas deep-copied, so plain data with no shared objects.
 */
function bentoApis(build: ResolvedBuild): BentoApi[] {
  return Object.entries(build.service.definition.apis).map(([name, a]) => ({
    name,
    route: a.route,
    input: JSON.parse(JSON.stringify(a.input)) as BentoApi['input'],
    output: JSON.parse(JSON.stringify(a.output)) as BentoApi['output'],
    batchable: a.batchable,
    max_batch_size: a.max_batch_size,
    max_latency_ms: a.max_latency_ms,
    model: a.model,
    ...(a.doc ? { doc: a.doc } : {}),
  }));
}

/**
 * Plans a bento: its files (generated ones first, then models, env, Dockerfile, sources) and its bento.yaml.
 * Pure: the same input gives the same plan.
 */
export function planBento(input: PlanInput): BuildPlan {
  const { build } = input;
  const apis = bentoApis(build);
  const def = build.service.definition;
  const readme = build.description.trim() ? build.description.replace(/\s*$/, '\n') : `# ${build.name}\n`;
  const files = new Map<string, PlannedFile>();
  const add = (f: PlannedFile, what: string): void => {
    if (files.has(f.path)) throw new BentoError('BAD_CONFIG', `${build.bentofileLabel}: ${what} "${f.path}" collides with a file the bento already has`);
    files.set(f.path, f);
  };
  add(bytesFile(BENTO_ENTRY, input.bundle), 'the bundle');
  add(bytesFile('README.md', readme), 'the README');
  for (const f of input.models) add(diskFile(f), 'model file');
  for (const f of input.env) add(diskFile(f), 'environment file');
  if (input.dockerfile) add(diskFile(input.dockerfile, BENTO_DOCKERFILE), 'the Dockerfile');
  for (const f of input.sources) add(diskFile(f, `src/${f.to}`), '/include: source');

  const digestsOf = (): Record<string, string> => sorted(Object.fromEntries([...files.values()].map((f) => [f.path, f.digest])));
  let digests = digestsOf();
  const models = build.models.map((m) => {
    const onnx = digests[`models/${m.info.name}/${m.info.version}/${m.info.model_file ?? 'model.onnx'}`];
    if (!onnx) throw new BentoError('BAD_MODEL', `model ${m.tag} has no ${m.info.model_file ?? 'model.onnx'} in its folder`);
    return { alias: m.alias, tag: m.tag, digest: `sha256:${onnx}` };
  });
  const content: Omit<BentoInfo, 'version' | 'creation_time'> = {
    name: build.name,
    description: build.description,
    labels: sorted(build.labels),
    service: build.service.spec,
    models,
    apis,
    traffic: {
      timeout: def.traffic.timeout,
      max_concurrency: def.traffic.max_concurrency,
      ...(def.traffic.body_timeout !== undefined ? { body_timeout: def.traffic.body_timeout } : {}),
      ...(def.traffic.max_request_size !== undefined ? { max_request_size: def.traffic.max_request_size } : {}),
    },
    envs: build.envs,
    docker: { base_image: build.docker.base_image, env: build.docker.env, system_packages: build.docker.system_packages },
    runtime: { node: input.runtime.node, onnxruntime_node: input.runtime.onnxruntime_node, entry: BENTO_ENTRY },
    files: digests,
  };
  const version = input.version ?? contentVersion(content);
  // The OpenAPI document names the version, so it is added after: it is a function of what was digested.
  const openapi = openApiDocument({ name: build.name, ...(def.description ? { description: def.description } : {}), apis }, version);
  add(bytesFile(OPENAPI_FILE, YAML.stringify(openapi, { lineWidth: 0, aliasDuplicateObjects: false })), 'the OpenAPI document');
  digests = digestsOf();
  const { name, files: _files, ...rest } = content;
  // Field order as documented: name, version, creation_time first; files last.
  const info: BentoInfo = { name, version, creation_time: input.now, ...rest, files: digests };
  return { info, files: [...files.values()].sort((a, b) => compareBytes(a.path, b.path)) };
}

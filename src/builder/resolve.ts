/**
 * bentofile as validated → resolved: the service module loaded and its definition read, the description
 * text read, model tags resolved to exact versions in the model store, docker env normalised to a map.
 * Reads the disk and the model store but writes nothing.
 */
import { existsSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BentoError, isBentoError } from '../errors.js';
import { isServiceDefinition, type ServiceDefinition } from '../sdk/index.js';
import { checkApiSchema } from '../sdk/json-schema.js';
import { compareBytes } from '../store/digest.js';
import type { ModelInfo } from '../models/model-info.js';
import { checkModelBytes } from '../models/model-check.js';
import { modelStore } from '../models/model-store.js';
import { formatTag, parseTag } from '../store/tag.js';
import { DEFAULT_BASE_IMAGE } from '../bento/bento-info.js';
import type { BentofileConfig } from './bentofile.js';
import { assertInsideProject } from './inside.js';
import { serviceLoadError } from './load-error.js';
import { registerTypeScript } from './typescript-loader.js';

/** Sources copied into the bento's src/ when the bentofile says nothing. */
const DEFAULT_INCLUDE = ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs', '**/*.json', '**/*.yaml', '**/*.yml', '*.md'];

export interface ResolvedModel {
  alias: string;
  /** Exact `name:version`. */
  tag: string;
  info: ModelInfo;
  /** The model's folder in the model store. */
  dir: string;
}

/** Everything a build needs, with nothing left to look up. */
export interface ResolvedBuild {
  projectDir: string;
  /** How errors name the bentofile. */
  bentofileLabel: string;
  service: { spec: string; file: string; exportName: string; definition: ServiceDefinition };
  name: string;
  description: string;
  labels: Record<string, string>;
  include: string[];
  exclude: string[];
  models: ResolvedModel[];
  docker: { base_image: string; env: Record<string, string>; system_packages: string[] };
  envs: Array<{ name: string; value: string }>;
}

export interface ResolveOptions {
  projectDir: string;
  config: BentofileConfig;
  bentofileLabel: string;
  /** Labels from the command line; they win over the bentofile's. */
  labels?: Record<string, string>;
  /**
   * `FILE[:EXPORT]` from the command line (`bento serve service.ts:svc`), relative to the project: replaces the
   * bentofile's `service:`, and its errors name it instead. Without `:EXPORT`, the one service FILE exports.
   */
  service?: string;
}

let loads = 0;

/** `file.ts:export` → its parts; `file.ts` alone names no export. */
function splitServiceSpec(spec: string): { file: string; exportName?: string } {
  const i = spec.lastIndexOf(':');
  return i > 0 ? { file: spec.slice(0, i), exportName: spec.slice(i + 1) } : { file: spec };
}

/**
 * The service module a project serves: `service` (`FILE[:EXPORT]`, as on the command line) when given, else
 * the bentofile's `service:`; an absolute path (not checked to exist).
 */
export function serviceFileOf(projectDir: string, config: Pick<BentofileConfig, 'service'>, service?: string): string {
  return path.resolve(projectDir, splitServiceSpec(service ?? config.service).file);
}

/**
 * Imports the service module afresh (a query string defeats the module cache, so a rebuild sees edits) and
 * picks its export `exportName`, or without one the only service it exports. A module that fails to compile
 * or throws is the service code's fault (BAD_SERVICE with file:line:column), not the bentofile's.
 */
async function loadService(projectDir: string, file: string, exportName: string | undefined, where: string): Promise<{ name: string; definition: ServiceDefinition }> {
  let mod: Record<string, unknown>;
  await registerTypeScript();
  try {
    mod = (await import(`${pathToFileURL(file).href}?build=${Date.now()}-${++loads}`)) as Record<string, unknown>;
  } catch (err) {
    throw serviceLoadError(err, file, projectDir);
  }
  // A CommonJS module (a project without "type": "module") may come as its module.exports under `default`
  // only, when Node cannot list its names: its exports are looked for there too.
  const cjs = mod.default;
  if (cjs !== null && typeof cjs === 'object' && !isServiceDefinition(cjs)) mod = { ...(cjs as Record<string, unknown>), ...mod };
  const exported = Object.keys(mod).filter((k) => isServiceDefinition(mod[k])).sort(compareBytes);
  const shown = path.relative(projectDir, file) || path.basename(file);
  if (exportName === undefined) {
    if (exported.length === 1) return { name: exported[0]!, definition: mod[exported[0]!] as ServiceDefinition };
    const why = exported.length ? `exports ${exported.length} services (${exported.join(', ')}): name one, e.g. ${shown}:${exported[0]}` : 'exports no service made with service()';
    throw new BentoError('BAD_CONFIG', `${where}: ${shown} ${why}`);
  }
  const svc = mod[exportName];
  if (!isServiceDefinition(svc)) {
    const hint = exported.length ? ` (services exported: ${exported.join(', ')})` : '';
    throw new BentoError('BAD_CONFIG', `${where}: ${shown} has no export "${exportName}" made with service()${hint}`);
  }
  return { name: exportName, definition: svc };
}

async function readDescription(projectDir: string, value: string | undefined, fallback: string, label: string): Promise<string> {
  if (value === undefined) return fallback;
  if (!value.startsWith('file:')) return value;
  const rel = value.slice('file:'.length).trim();
  const file = path.resolve(projectDir, rel);
  assertInsideProject(projectDir, file, `${label}: /description`, rel);
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BentoError('BAD_CONFIG', `${label}: /description: file not found: ${rel}`, [{ path: '/description', message: `no file ${file}` }]);
    }
    throw err;
  }
}

/**
 * Binds the service's model aliases to store versions. A bentofile entry with an alias pins that alias;
 * one without binds the alias whose tag has the same model name, or adds the model under its own name.
 */
async function resolveModels(svc: ServiceDefinition, entries: BentofileConfig['models'], label: string): Promise<ResolvedModel[]> {
  const wanted = new Map<string, { tag: string; where: string }>(Object.entries(svc.models).map(([alias, tag]) => [alias, { tag, where: `service "${svc.name}" models.${alias}` }]));
  (entries ?? []).forEach((entry, i) => {
    const { tag, alias } = typeof entry === 'string' ? { tag: entry, alias: undefined } : entry;
    const where = `${label}: /models/${i}`;
    let name: string;
    try {
      name = parseTag(tag).name;
    } catch (err) {
      throw new BentoError('BAD_CONFIG', `${where}: ${(err as Error).message}`);
    }
    const bound = alias ?? Object.keys(svc.models).find((a) => parseTag(svc.models[a]!).name === name) ?? name;
    wanted.set(bound, { tag, where });
  });
  const store = modelStore();
  const out: ResolvedModel[] = [];
  for (const [alias, { tag, where }] of wanted) {
    try {
      const { info, dir } = await store.resolve(tag);
      // The import gate once more (limits only: fast): a model laid into the store by hand, or imported
      // before the limits existed, must not become a bento that crashes onnxruntime when served.
      const bytes = await fs.readFile(path.join(dir, ...info.model_file.split('/')));
      await checkModelBytes(bytes, `model ${formatTag(info.name, info.version)}`, { features: info.features.length, load: false });
      out.push({ alias, tag: formatTag(info.name, info.version), info, dir });
    } catch (err) {
      if (isBentoError(err)) throw new BentoError(err.code, `${where}: ${err.message}`, err.details);
      throw err;
    }
  }
  return out.sort((a, b) => compareBytes(a.alias, b.alias));
}

/**
 * A rows API needs a rows model (one 2-D numeric input of named features): any other model is refused at
 * build time, naming the API and the model's inputs, rather than failing readiness when served.
 */
function checkRowsApis(svc: ServiceDefinition, models: ResolvedModel[]): ResolvedModel[] {
  for (const [name, def] of Object.entries(svc.apis)) {
    if (def.kind !== 'rows') continue;
    const m = models.find((x) => x.alias === def.model);
    if (!m || m.info.features.length > 0) continue;
    const inputs = m.info.signature.inputs.map((i) => `${i.name} ${i.dtype} [${i.shape.join(', ')}]`).join('; ');
    throw new BentoError(
      'BAD_CONFIG',
      `service "${svc.name}", api "${name}": model ${m.tag} does not take rows of features (its inputs: ${inputs}); serve it through a handler API (handler: (body, ctx) => ctx.models.${m.alias}.run(feeds))`,
    );
  }
  return models;
}

/** Every API's input and output schema is JSON Schema the server can compile (the server no longer checks). */
function checkSchemas(svc: ServiceDefinition): void {
  for (const [name, def] of Object.entries(svc.apis)) {
    for (const key of ['input', 'output'] as const) checkApiSchema(def[key], `service "${svc.name}", api "${name}": ${key} schema`);
  }
}

function dockerEnv(env: Record<string, string> | string[] | undefined): Record<string, string> {
  if (!env) return {};
  if (!Array.isArray(env)) return { ...env };
  const out: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/** Resolves a validated bentofile against the project folder and the model store. */
export async function resolveBuild(opts: ResolveOptions): Promise<ResolvedBuild> {
  const { config, bentofileLabel: label } = opts;
  const projectDir = path.resolve(opts.projectDir);
  // The schema guarantees `file.ts` or `file.ts:export`; the bentofile's export defaults to svc, the command line's
  // to the file's one service.
  const fromCli = opts.service !== undefined ? splitServiceSpec(opts.service) : undefined;
  const fromBentofile = splitServiceSpec(config.service);
  const { file: rel, exportName: wanted } = fromCli ?? { file: fromBentofile.file, exportName: fromBentofile.exportName ?? 'svc' };
  const where = fromCli ? opts.service! : `${label}: /service`;
  const file = path.resolve(projectDir, rel);
  assertInsideProject(projectDir, file, where, rel);
  if (!existsSync(file) || !statSync(file).isFile()) {
    if (fromCli) throw new BentoError('FILE_NOT_FOUND', `${where}: no such file ${file}`);
    throw new BentoError('BAD_CONFIG', `${label}: /service: file not found: ${rel}`, [{ path: '/service', message: `no file ${file}` }]);
  }
  const { name: exportName, definition } = await loadService(projectDir, file, wanted, where);
  checkSchemas(definition);
  const description = await readDescription(projectDir, config.description, definition.description ?? '', label);
  return {
    projectDir,
    bentofileLabel: label,
    service: { spec: `${rel}:${exportName}`, file, exportName, definition },
    name: config.name ?? definition.name,
    description,
    labels: { ...config.labels, ...opts.labels },
    include: config.include ?? DEFAULT_INCLUDE,
    exclude: config.exclude ?? [],
    models: checkRowsApis(definition, await resolveModels(definition, config.models, label)),
    docker: {
      base_image: config.docker?.base_image ?? DEFAULT_BASE_IMAGE,
      env: dockerEnv(config.docker?.env),
      system_packages: [...(config.docker?.system_packages ?? [])],
    },
    envs: (config.envs ?? []).map((e) => ({ name: e.name, value: e.value })),
  };
}

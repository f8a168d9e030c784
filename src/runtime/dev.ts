/**
 * `bento serve .`: the project's service served without a build — its module imported through tsx (the
 * CLI already runs under it), its model tags resolved in the model store, and the same createServer as a
 * bento's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { isServiceDefinition, type ServiceDefinition } from '../sdk/index.js';
import { getModel } from '../store/models.js';
import type { ModelInfo } from '../store/model-info.js';
import type { ServeFlags } from './args.js';
import { launch } from './launch.js';
import { createServer } from './server.js';

/** `file.ts:export` from the project's bentofile.yaml `service:`, default `service.ts:svc`. */
export function serviceRef(projectDir: string): { file: string; exportName: string } {
  let ref = 'service.ts:svc';
  const bentofile = path.join(projectDir, 'bentofile.yaml');
  if (existsSync(bentofile)) {
    const doc = YAML.parse(readFileSync(bentofile, 'utf8')) as { service?: unknown } | null;
    if (typeof doc?.service === 'string') ref = doc.service;
  }
  const i = ref.lastIndexOf(':');
  const [file, exportName] = i > 0 ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'svc'];
  return { file: path.resolve(projectDir, file), exportName };
}

/** Imports the project's service module and returns its service definition. */
export async function loadProjectService(projectDir: string): Promise<ServiceDefinition> {
  const { file, exportName } = serviceRef(projectDir);
  if (!existsSync(file)) throw new BentoError('FILE_NOT_FOUND', `the service module ${file} does not exist (bentofile.yaml "service:")`);
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const svc = mod[exportName];
  if (!isServiceDefinition(svc)) {
    throw new BentoError('BAD_CONFIG', `${path.basename(file)} does not export a service() as "${exportName}"`);
  }
  return svc;
}

/** Each model alias of the service → its model.yaml and model.onnx in the model store. */
export async function resolveModels(svc: ServiceDefinition): Promise<Record<string, { info: ModelInfo; onnxPath: string }>> {
  const out: Record<string, { info: ModelInfo; onnxPath: string }> = {};
  for (const [alias, tag] of Object.entries(svc.models)) {
    const { info, dir } = await getModel(tag);
    out[alias] = { info, onnxPath: path.join(dir, info.model_file ?? 'model.onnx') };
  }
  return out;
}

/** Swagger UI's static folder, from this package's own dependencies. */
function swaggerUiDir(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json');
    return path.join(path.dirname(pkg), 'static');
  } catch {
    return undefined;
  }
}

/** Serves the project in `projectDir` in this process (or as a cluster with --production). */
export async function serveProject(projectDir: string, flags: ServeFlags): Promise<void> {
  const svc = await loadProjectService(projectDir);
  const models = await resolveModels(svc);
  await launch({
    flags,
    label: `${svc.name}:dev`,
    timeoutSeconds: svc.traffic.timeout,
    makeServer: (production) =>
      createServer({
        service: svc,
        models,
        version: 'dev',
        logger: { level: process.env.BENTO_LOG_LEVEL ?? 'info' },
        intraOpNumThreads: production ? 1 : undefined,
        swaggerUiDir: swaggerUiDir(),
        clusterMetrics: production,
      }),
  });
}

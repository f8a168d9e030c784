/**
 * `bento serve .`: the project's service served without a build — its module imported through tsx (the
 * CLI already runs under it), its models resolved in the model store as `bento build` resolves them, and the same createServer as a
 * bento's.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { displayPath, NO_BENTOFILE, readBentofile, type BentofileConfig } from '../builder/bentofile.js';
import { resolveBuild } from '../builder/resolve.js';
import type { ServiceDefinition } from '../sdk/index.js';
import type { ModelInfo } from '../models/model-info.js';
import type { ServeFlags } from '../runtime/args.js';
import { launch } from '../runtime/cluster/launch.js';
import { serverLogger } from '../runtime/cluster/log.js';
import { createServer } from '../runtime/server.js';

type ProjectModels = Record<string, { info: ModelInfo; onnxPath: string }>;

/**
 * The project's service and models exactly as `bento build` would resolve them: the bentofile validated, its
 * `service:` loaded, its `models:` pins applied. Without a bentofile, `service.ts:svc` and the service's own tags.
 * `service` (`FILE[:EXPORT]` relative to the project, as in `bento serve service.ts:svc`) replaces the bentofile's.
 */
export async function loadProject(projectDir: string, service?: string): Promise<{ svc: ServiceDefinition; models: ProjectModels }> {
  const file = path.join(projectDir, 'bentofile.yaml');
  const hasBentofile = existsSync(file);
  const config: BentofileConfig = hasBentofile ? await readBentofile(file) : NO_BENTOFILE;
  const resolved = await resolveBuild({
    projectDir,
    config,
    bentofileLabel: hasBentofile ? displayPath(file) : 'service.ts:svc (no bentofile.yaml)',
    ...(service !== undefined ? { service } : {}),
  });
  const models: ProjectModels = {};
  for (const m of resolved.models) models[m.alias] = { info: m.info, onnxPath: path.join(m.dir, m.info.model_file ?? 'model.onnx') };
  return { svc: resolved.service.definition, models };
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

/** Serves the project in `projectDir` (its bentofile's service, or `service`) in this process (or as a cluster with --production). */
export async function serveProject(projectDir: string, flags: ServeFlags, service?: string): Promise<void> {
  const { svc, models } = await loadProject(projectDir, service);
  await launch({
    flags,
    label: `${svc.name}:dev`,
    timeoutSeconds: svc.traffic.timeout,
    makeServer: (production) =>
      createServer({
        service: svc,
        models,
        version: 'dev',
        logger: serverLogger(),
        intraOpNumThreads: production ? 1 : undefined,
        swaggerUiDir: swaggerUiDir(),
        clusterMetrics: production,
      }),
  });
}

/**
 * API documentation from the same schemas the server validates with: `/docs.json` (OpenAPI 3.1, from
 * @fastify/swagger) and `/docs` (Swagger UI). Must be registered before the API routes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import swaggerModule from '@fastify/swagger';
import swaggerUiModule from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

// CommonJS default exports seen from ESM (tsx) and from an esbuild CJS bundle alike.
const swagger = ((swaggerModule as unknown as { default?: unknown }).default ?? swaggerModule) as typeof swaggerModule;
const swaggerUi = ((swaggerUiModule as unknown as { default?: unknown }).default ?? swaggerUiModule) as typeof swaggerUiModule;

export interface DocsOptions {
  title: string;
  version: string;
  description?: string;
  /** Folder holding Swagger UI's static files (`@fastify/swagger-ui/static`); found from the cwd when omitted. */
  swaggerUiDir?: string;
}

/** Where Swagger UI's assets are: the given folder, else the package resolved from the working folder. */
export function findSwaggerUiDir(given?: string): string | undefined {
  const candidates: string[] = [];
  if (given) candidates.push(given);
  try {
    const pkg = createRequire(path.join(process.cwd(), 'package.json')).resolve('@fastify/swagger-ui/package.json');
    candidates.push(path.join(path.dirname(pkg), 'static'));
  } catch {
    // not resolvable from here (e.g. a bento served from another folder)
  }
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html')));
}

export async function registerDocs(app: FastifyInstance, opts: DocsOptions): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: opts.title, version: opts.version, ...(opts.description ? { description: opts.description } : {}) },
    },
  });
  app.get('/docs.json', { schema: { hide: true } }, async () => app.swagger());
  // As BentoML: a browser opening the service's address lands on its API docs.
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  const dir = findSwaggerUiDir(opts.swaggerUiDir);
  if (dir) {
    // Given explicitly so the plugin does not read it from next to its own (possibly bundled) code.
    const logo = { type: 'image/svg+xml', content: existsSync(path.join(dir, 'logo.svg')) ? readFileSync(path.join(dir, 'logo.svg')) : Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') };
    await app.register(swaggerUi, { routePrefix: '/docs', baseDir: dir, logo });
  } else {
    // Without the assets the UI cannot be served; say where the document is instead of a 404.
    app.get('/docs', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/html; charset=utf-8').send('<!doctype html><title>API docs</title><p>Swagger UI is not available here; the OpenAPI document is at <a href="/docs.json">/docs.json</a>.</p>'),
    );
  }
}

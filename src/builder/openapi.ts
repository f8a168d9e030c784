/**
 * OpenAPI 3.1 document of a service, from its API schemas, for the bento's `apis/openapi.yaml`.
 * The schemas are copied as declared (OpenAPI 3.1 schemas are JSON Schema), so the document, the
 * runtime's validation and `/docs.json` all say the same thing.
 */
import type { BentoApi } from '../bento/bento-info.js';

export type OpenApiDocument = Record<string, unknown>;

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'code'],
  properties: {
    error: { type: 'string' },
    code: { type: 'string' },
    details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const probe = (summary: string) => ({ get: { summary, tags: ['infra'], responses: { '200': { description: 'OK' }, '503': { description: 'Not ready' } } } });

/** A deep copy, so YAML writes no anchors for schema objects shared in the service code. */
function copy<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

/**
 * Builds the document for a service's APIs.
 *
 * @example
 *   YAML.stringify(openApiDocument({ name: 'houses_model', apis }, '0123456789abcdef'))
 */
export function openApiDocument(service: { name: string; description?: string; apis: BentoApi[] }, version: string): OpenApiDocument {
  const paths: Record<string, unknown> = {};
  for (const a of service.apis) {
    paths[a.route] = {
      post: {
        operationId: a.name,
        ...(a.doc ? { summary: a.doc } : {}),
        tags: ['apis'],
        requestBody: { required: true, content: { 'application/json': { schema: copy(a.input) } } },
        responses: {
          '200': { description: 'Success', content: { 'application/json': { schema: copy(a.output) } } },
          '400': errorResponse('The request body is not valid'),
          '429': errorResponse('Too many requests in flight'),
          '503': errorResponse('Overloaded or not ready'),
          '504': errorResponse('Timed out'),
        },
      },
    };
  }
  paths['/livez'] = probe('The process is alive');
  paths['/healthz'] = probe('The service is healthy');
  paths['/readyz'] = probe('The models are loaded and the service takes requests');
  paths['/metrics'] = {
    get: { summary: 'Prometheus metrics', tags: ['infra'], responses: { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: service.name, version, ...(service.description ? { description: service.description } : {}) },
    paths,
    components: { schemas: { Error: ERROR_SCHEMA } },
  };
}

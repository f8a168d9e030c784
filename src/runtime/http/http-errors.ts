/**
 * Every failure becomes `{"error", "code", "details"}` with the status from the error table: fastify's own
 * errors (bad JSON, wrong content type, body too large, schema validation) are mapped to our codes, and
 * anything unexpected becomes a 500 INTERNAL whose message and stack stay in the log, never in the answer.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BentoError, isBentoError, type ErrorCode } from '../../errors.js';
import { summarise, toDetails, type BoundedErrors } from './validation.js';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
};

/** JSON schema of an error answer, for the OpenAPI document and fast serialisation. */
export const ERROR_SCHEMA = {
  type: 'object',
  required: ['error', 'code', 'details'],
  properties: {
    error: { type: 'string' },
    code: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
} as const;

/** The 413 for a body over `limit` bytes (its own size when known), naming the setting the limit comes from. */
export function payloadTooLarge(limit: number | undefined, length?: number): BentoError {
  const size = length !== undefined ? ` (${length} bytes)` : '';
  const bound = limit ? ` (${limit} bytes: the service's traffic.max_request_size)` : '';
  return new BentoError('PAYLOAD_TOO_LARGE', `the request body${size} is larger than this server accepts${bound}`);
}

/** Maps any thrown value to a BentoError a client may see. */
export function toBentoError(err: unknown, request?: FastifyRequest): BentoError {
  if (isBentoError(err)) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown[]; statusCode?: number };
  if (Array.isArray(e.validation)) {
    const details = toDetails(e.validation as never);
    const truncated = (e.validation as BoundedErrors).truncated === true;
    return new BentoError('INVALID_INPUT', summarise(details, e.validation.length, truncated), details);
  }
  const code = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (code === 'UNSUPPORTED_MEDIA_TYPE') {
    const type = request?.headers['content-type'];
    // The route's body schema lists its content types when it takes more than JSON (rows APIs take CSV too).
    const body = request?.routeOptions?.schema?.body as { content?: Record<string, unknown> } | undefined;
    const accepted = body?.content ? Object.keys(body.content) : ['application/json'];
    return new BentoError(code, `unsupported content type ${type ? `"${type}"` : '(none)'}: send ${accepted.join(' or ')}`);
  }
  if (code === 'PAYLOAD_TOO_LARGE') return payloadTooLarge(request?.routeOptions?.bodyLimit);
  if (code === 'BAD_REQUEST' || (err instanceof SyntaxError && e.statusCode === 400)) {
    return new BentoError('BAD_REQUEST', `the request body is not valid JSON: ${e.message ?? ''}`.trim());
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new BentoError(e.statusCode === 404 ? 'NOT_FOUND' : 'BAD_REQUEST', e.message ?? 'bad request');
  }
  return new BentoError('INTERNAL', 'internal error; the server log has the details under this request id');
}

/** Installs the error handler and the JSON 404 on `app`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    // Nobody left to answer (the client went away, or Node's layer answered and closed the connection):
    // no error to build or log — under a flood of abandoned uploads that work would be the flood's cost.
    if (reply.raw.destroyed) return reply.code(499).send();
    const bento = toBentoError(err, request);
    if (bento.status >= 500 && bento.code !== 'OVERLOADED' && bento.code !== 'NOT_READY') {
      request.log.error({ err }, `${bento.code}: ${(err as Error)?.message ?? String(err)}`);
    } else {
      request.log.info({ code: bento.code }, bento.message);
    }
    const retry = retryAfter(err, bento);
    if (retry !== undefined) void reply.header('retry-after', String(retry));
    return reply.code(bento.status).send(bento.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url;
    return reply.code(404).send(new BentoError('NOT_FOUND', `no route for ${request.method} ${url}`).toJSON());
  });
}

function retryAfter(err: unknown, bento: BentoError): number | undefined {
  const seconds = (err as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof seconds === 'number') return seconds;
  if (bento.code === 'OVERLOADED' || bento.code === 'NOT_READY' || bento.code === 'TOO_MANY_REQUESTS') return 1;
  return undefined;
}

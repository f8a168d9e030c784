/**
 * Liveness and readiness: `/livez` and `/healthz` answer 200 while the process runs; `/readyz` answers 200
 * only once the models are loaded and warmed, and 503 before that and while shutting down.
 */
import type { FastifyInstance } from 'fastify';
import { BentoError } from '../../errors.js';

export type ReadyState = 'starting' | 'ready' | 'stopping' | 'failed';

export class Readiness {
  state: ReadyState = 'starting';
  reason = '';

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** The NOT_READY error to answer while not ready. */
  error(): BentoError {
    const why =
      this.state === 'starting' ? 'the models are still loading' : this.state === 'stopping' ? 'the server is shutting down' : `the models failed to load: ${this.reason}`;
    return new BentoError('NOT_READY', `not ready: ${why}`);
  }
}

export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  const hide = { schema: { hide: true } };
  const ok = async (): Promise<string> => 'OK';
  app.get('/livez', hide, ok);
  app.get('/healthz', hide, ok);
  app.get('/readyz', hide, async () => {
    if (!readiness.ready) throw readiness.error();
    return 'OK';
  });
}

/**
 * One serving process (a cluster worker, or the only process): listens (a cluster worker only once ready),
 * reports to the primary, and on
 * SIGTERM/SIGINT drains — `/readyz` turns 503, the listener stops accepting, every accepted request is
 * answered — then exits 0, or 1 if the grace period runs out first.
 */
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import { answerPrimary } from './cluster-metrics.js';

export const LISTENING = 'bento:listening';
export const READY = 'bento:ready';
export const SHUTDOWN = 'bento:shutdown';

export interface WorkerOptions {
  port: number;
  host: string;
  /** Longest a drain may take before the process exits anyway. */
  graceMs: number;
  /** What the startup log line calls the service. */
  label: string;
}

/** Starts serving `app`; resolves once listening. The process exits by itself on a signal. */
export async function runWorker(app: FastifyInstance, opts: WorkerOptions): Promise<void> {
  const inCluster = cluster.isWorker;
  if (inCluster) answerPrimary(app.bento.metrics);
  let draining = false;
  const drain = (why: string): void => {
    if (draining) return;
    draining = true;
    app.log.info({ reason: why }, 'shutting down: finishing the requests in flight');
    app.bento.readiness.state = 'stopping';
    const force = setTimeout(() => {
      app.log.error(`requests still in flight after the ${opts.graceMs} ms grace period; exiting`);
      process.exit(1);
    }, opts.graceMs);
    force.unref();
    app.close().then(
      () => {
        app.log.info('shut down cleanly');
        process.exit(0);
      },
      (err: unknown) => {
        app.log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));
  if (inCluster) {
    process.on('message', (msg: { type?: string }) => {
      if (msg?.type === SHUTDOWN) drain('asked by the primary');
    });
    // The primary is gone: nobody will replace or stop us; drain and leave.
    process.on('disconnect', () => drain('the primary exited'));
  }

  if (inCluster) {
    // A cluster worker joins the shared port only once its models are loaded and warmed: the primary deals
    // connections to every listening worker, so one still loading would answer 503 while /readyz said 200.
    try {
      await app.bento.loaded;
    } catch {
      process.exit(1); // logged by createServer; a process that cannot serve its models must not linger
    }
  }
  const address = await app.listen({ port: opts.port, host: opts.host });
  app.log.info({ url: address }, `${opts.label} listening on ${address}`);
  if (inCluster) send({ type: LISTENING, address });
  app.bento.loaded.then(
    () => {
      app.log.info(`${opts.label} ready: models loaded and warmed`);
      if (inCluster) send({ type: READY });
    },
    () => {
      // Logged by createServer; a process that cannot serve its models must not linger.
      process.exit(1);
    },
  );
}

function send(msg: object): void {
  if (process.connected) process.send?.(msg);
}

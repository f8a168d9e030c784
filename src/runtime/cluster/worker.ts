/**
 * One serving process (a cluster worker, or the only process). The only process listens on the port; a
 * cluster worker, once its models are loaded, takes the connections the primary deals it (dealer.ts),
 * reports to the primary, and on SIGTERM/SIGINT drains — `/readyz` turns 503, the listener stops
 * accepting, every accepted request is answered — then exits 0, or 1 if the grace period runs out first.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { answerPrimary } from './cluster-metrics.js';
import { CONNECTION, TAKEN } from './dealer.js';
import { listenError } from './listen-error.js';

export const READY = 'bento:ready';
export const DRAINING = 'bento:draining';
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
    if (inCluster) send({ type: DRAINING }); // the primary deals no more connections here
    // The drain first, the log lines after.
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
    app.log.info({ reason: why }, 'shutting down: finishing the requests in flight');
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
    // A cluster worker takes connections only once its models are loaded and warmed: one still loading
    // would answer 503 while /readyz said 200.
    try {
      await app.bento.loaded;
    } catch {
      process.exit(1); // logged by createServer; a process that cannot serve its models must not linger
    }
    // A private listener (an abstract socket on Linux: no file, no port) gives Node's HTTP server its
    // connection tracking — the body timeout, idle sweeps, a close that waits for the requests in flight.
    const name = `bento-worker-${process.pid}-${randomUUID().slice(0, 8)}`;
    await app.listen({ path: process.platform === 'linux' ? `\0${name}` : path.join(os.tmpdir(), `${name}.sock`), exclusive: true });
    process.on('message', (msg: { type?: string; id?: number }, socket?: Socket) => {
      if (msg?.type !== CONNECTION || !socket) return;
      adopt(app.server, socket);
      send({ type: TAKEN, id: msg.id });
    });
    app.log.info(`${opts.label} worker taking connections from the primary`);
  } else {
    let address: string;
    try {
      address = await app.listen({ port: opts.port, host: opts.host });
    } catch (err) {
      throw listenError(err, opts.port, opts.host);
    }
    app.log.info({ url: address }, `${opts.label} listening on ${address}`);
  }
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

/**
 * Serves a connection handed over by the primary as if this server had accepted it: counted among the
 * server's connections (Node's own bookkeeping, as its accept does), so close() waits for it.
 */
function adopt(server: Server, socket: Socket): void {
  const counted = server as unknown as { _connections: number };
  counted._connections++;
  (socket as unknown as { server: Server; _server: Server }).server = server;
  (socket as unknown as { _server: Server })._server = server;
  server.emit('connection', socket);
  socket.resume();
}

function send(msg: object): void {
  if (process.connected) process.send?.(msg);
}

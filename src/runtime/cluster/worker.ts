/**
 * One serving process (a cluster worker, or the only process). The only process listens on the port; a
 * cluster worker, once its models are loaded, takes the connections the primary deals it (dealer.ts),
 * reports to the primary, and on SIGTERM/SIGINT drains — `/readyz` turns 503, the listener stops
 * accepting, every accepted request is answered — then exits 0, or 1 if the grace period runs out first.
 * During a promotion (swap.ts) a new worker runs the golden-sample check when the primary asks (golden.ts),
 * and an old worker retires: it gets no new connections, answers every request still coming on the ones it
 * has with `Connection: close` (so clients reconnect, to the new workers), keeps `/readyz` at 200, and
 * exits once its last connection has closed.
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
import { runGolden, warmUp, type GoldenSample } from './golden.js';
import { sendToPrimary } from './ipc-send.js';
import { listenError } from './listen-error.js';

export const READY = 'bento:ready';
export const DRAINING = 'bento:draining';
export const SHUTDOWN = 'bento:shutdown';
/** Primary → worker: run the golden check (on `samples`, else this worker's own); answered with GOLDEN_RESULT. */
export const GOLDEN = 'bento:golden';
export const GOLDEN_RESULT = 'bento:golden:result';
/** Primary → old worker after a promotion: hand the clients over and exit. */
export const RETIRE = 'bento:retire';

/** A retiring worker closes a connection idle this long (no request on it): its client has gone quiet. */
const RETIRE_IDLE_MS = 1000;

export interface WorkerOptions {
  port: number;
  host: string;
  /** Longest a drain may take before the process exits anyway. */
  graceMs: number;
  /** What the startup log line calls the service. */
  label: string;
  /** The golden check's requests (golden.ts); none: the check only says the models loaded. */
  golden?: GoldenSample[];
}

interface Tracked {
  inflight: number;
  last: number;
}

/** Starts serving `app`; resolves once listening. The process exits by itself on a signal. */
export async function runWorker(app: FastifyInstance, opts: WorkerOptions): Promise<void> {
  const inCluster = cluster.isWorker;
  if (inCluster) answerPrimary(app.bento.metrics);
  let draining = false;
  const drain = (why: string): void => {
    if (draining) return;
    draining = true;
    if (inCluster) sendToPrimary({ type: DRAINING }); // the primary deals no more connections here
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
  // The connections the primary handed over, with their requests in flight (for a retirement).
  const tracked = new Map<Socket, Tracked>();
  let retiring = false;
  const retire = (): void => {
    if (retiring || draining) return;
    retiring = true;
    sendToPrimary({ type: DRAINING }); // no new connections; /readyz stays 200 for the clients still here
    app.log.info('retiring after a promotion: handing the clients over to the new workers');
    const started = Date.now();
    const sweep = setInterval(() => {
      const now = Date.now();
      for (const [socket, t] of tracked) if (t.inflight === 0 && now - t.last >= RETIRE_IDLE_MS) socket.end();
      if (tracked.size === 0 || now - started >= opts.graceMs) {
        clearInterval(sweep);
        drain('retired after a promotion');
      }
    }, 50);
  };
  if (inCluster) {
    // A terminal's hangup reaches the whole process group: SIGHUP is the primary's (a promotion), never a worker's end.
    process.on('SIGHUP', () => undefined);
    process.on('message', (msg: { type?: string; id?: number; samples?: GoldenSample[] }) => {
      if (msg?.type === SHUTDOWN) drain('asked by the primary');
      else if (msg?.type === RETIRE) retire();
      else if (msg?.type === GOLDEN) {
        const own = msg.samples === undefined;
        void runGolden(app, msg.samples ?? opts.golden ?? [])
          .then(async (r) => {
            if (own && r.ok) {
              // A new worker about to take traffic: warmed, then its metrics start from nothing (the check's
              // and the warm-up's requests are nobody's traffic). Collecting first moves the counts held
              // outside the registry into it, so the reset clears them too.
              await warmUp(app, r.samples);
              await app.bento.metrics.registry.metrics();
              app.bento.metrics.registry.resetMetrics();
            }
            return r;
          })
          .then((r) => sendToPrimary({ type: GOLDEN_RESULT, id: msg.id, ...r }));
      }
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
    // Before Fastify's own listener: a retiring worker's answers say `Connection: close`.
    app.server.prependListener('request', (req, res) => {
      const t = tracked.get(req.socket);
      if (t) t.inflight++;
      if (retiring) res.setHeader('connection', 'close');
      res.once('close', () => {
        if (!t) return;
        t.inflight--;
        t.last = Date.now();
      });
    });
    process.on('message', (msg: { type?: string; id?: number }, socket?: Socket) => {
      if (msg?.type !== CONNECTION || !socket) return;
      // One dealt just before the primary heard we retire is still served (its answers close it).
      tracked.set(socket, { inflight: 0, last: Date.now() });
      socket.once('close', () => tracked.delete(socket));
      adopt(app.server, socket);
      sendToPrimary({ type: TAKEN, id: msg.id });
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
      if (inCluster) sendToPrimary({ type: READY });
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

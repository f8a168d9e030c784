/**
 * The `--production` cluster primary: listens on the port and deals each connection to a ready worker
 * (dealer.ts), forks N workers and replaces a worker that dies, sums the workers' metrics for `/metrics`,
 * and on SIGTERM/SIGINT stops listening and asks every worker to drain, exiting 0 once all have finished
 * (1 if one failed or the grace period ran out).
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { serveWorkers } from './cluster-metrics.js';
import { Dealer, TAKEN } from './dealer.js';
import { listenError } from './listen-error.js';
import { logLine } from './log.js';
import { DRAINING, READY, SHUTDOWN } from './worker.js';

export interface PrimaryOptions {
  workers: number;
  graceMs: number;
  label: string;
  port: number;
  host: string;
}

/** Workers that die before ever being ready, in a row, before the primary gives up (e.g. a broken model). */
const MAX_STARTUP_FAILURES = 3;

/** Listens, then forks the workers; rejects (before any worker starts) when the port cannot be had. */
export async function runPrimary(opts: PrimaryOptions): Promise<void> {
  const dealer = new Dealer();
  const server = net.createServer({ pauseOnConnect: true }, (socket) => dealer.deal(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, opts.port, opts.host)));
    server.listen({ port: opts.port, host: opts.host }, resolve);
  });
  const bound = server.address() as net.AddressInfo;
  const address = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logLine('info', `${opts.label} listening on ${address} with ${opts.workers} worker${opts.workers === 1 ? '' : 's'}`, { url: address });
  const ready = new Set<number>();
  let stopping = false;
  let startupFailures = 0;
  let failedExit = false;

  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  serveWorkers(workers);

  cluster.on('message', (worker: Worker, msg: { type?: string; id?: number }) => {
    if (msg?.type === TAKEN && typeof msg.id === 'number') {
      dealer.taken(msg.id);
    } else if (msg?.type === READY) {
      ready.add(worker.id);
      startupFailures = 0;
      if (!stopping) dealer.add(worker);
    } else if (msg?.type === DRAINING) {
      dealer.remove(worker);
    }
  });
  // The IPC channel closes as soon as a worker dies: its connections not yet taken go to another at once.
  cluster.on('disconnect', (worker: Worker) => dealer.remove(worker));

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    dealer.remove(worker);
    const wasReady = ready.delete(worker.id);
    if (stopping) {
      if (code !== 0) failedExit = true;
      if (workers().length === 0) {
        logLine('info', 'all workers stopped');
        process.exit(failedExit ? 1 : 0);
      }
      return;
    }
    logLine('warn', `worker ${worker.process.pid} died (${signal ?? `exit code ${code}`}); starting another`, { worker: worker.id });
    if (!wasReady && ++startupFailures >= MAX_STARTUP_FAILURES) {
      logLine('error', `${startupFailures} workers in a row died before becoming ready; giving up`);
      failedExit = true;
      stop('startup failures');
      return;
    }
    cluster.fork();
  });

  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logLine('info', `shutting down (${why}): draining ${workers().length} workers`);
    server.close();
    dealer.close();
    for (const w of workers()) {
      if (w.isConnected()) w.send({ type: SHUTDOWN });
      else w.process.kill('SIGTERM');
    }
    if (workers().length === 0) process.exit(failedExit ? 1 : 0);
    const force = setTimeout(() => {
      logLine('error', `workers still running after the ${opts.graceMs} ms grace period; killing them`);
      for (const w of workers()) w.process.kill('SIGKILL');
      process.exit(1);
    }, opts.graceMs + 2000);
    force.unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  for (let i = 0; i < opts.workers; i++) cluster.fork();
}

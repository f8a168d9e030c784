/**
 * The `--production` cluster primary: forks N workers sharing the port, replaces a worker that dies, sums
 * the workers' metrics for `/metrics`, and on SIGTERM/SIGINT asks every worker to drain, exiting 0 once
 * all have finished (1 if one failed or the grace period ran out).
 */
import cluster, { type Worker } from 'node:cluster';
import { serveWorkers } from './cluster-metrics.js';
import { logLine } from './log.js';
import { LISTENING, READY, SHUTDOWN } from './worker.js';

export interface PrimaryOptions {
  workers: number;
  graceMs: number;
  label: string;
}

/** Workers that die before ever being ready, in a row, before the primary gives up (e.g. a broken model). */
const MAX_STARTUP_FAILURES = 3;

export function runPrimary(opts: PrimaryOptions): void {
  const ready = new Set<number>();
  let stopping = false;
  let startupFailures = 0;
  let failedExit = false;
  let announced = false;

  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  serveWorkers(workers);

  cluster.on('message', (worker: Worker, msg: { type?: string; address?: string }) => {
    if (msg?.type === LISTENING && !announced) {
      announced = true;
      logLine('info', `${opts.label} listening on ${msg.address} with ${opts.workers} worker${opts.workers === 1 ? '' : 's'}`, { url: msg.address });
    } else if (msg?.type === READY) {
      ready.add(worker.id);
      startupFailures = 0;
    }
  });

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
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

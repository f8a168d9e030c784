/**
 * Runs a server the way the flags say: one process, or (`--production`) a cluster primary whose workers
 * each build and serve their own copy. Shared by `runBento` (a built bento) and `bento serve .`.
 */
import cluster from 'node:cluster';
import type { FastifyInstance } from 'fastify';
import type { ServeFlags } from '../args.js';
import type { GoldenSample } from './golden.js';
import { runPrimary, type PrimaryOptions } from './primary.js';
import { runWorker } from './worker.js';

export interface LaunchOptions {
  flags: ServeFlags;
  /** Builds the server of this process (called in each worker, never in the primary). */
  makeServer(production: boolean): Promise<FastifyInstance>;
  /** Seconds a request may take (the service's traffic.timeout): the drain grace period is this plus 5 s. */
  timeoutSeconds: number;
  /** e.g. `houses_model:3f2a…`, for the log lines. */
  label: string;
  /** The bento served (its primary can be promoted to another, swap.ts); absent for a project folder. */
  bento?: PrimaryOptions['bento'];
  /** The golden check's requests for this process's models (golden.ts). */
  golden?: () => GoldenSample[];
}

export async function launch(o: LaunchOptions): Promise<void> {
  const graceMs = o.timeoutSeconds * 1000 + 5000;
  if (o.flags.production && cluster.isPrimary) {
    await runPrimary({ workers: o.flags.workers, graceMs, label: o.label, port: o.flags.port, host: o.flags.host, ...(o.bento ? { bento: o.bento } : {}) });
    return;
  }
  const app = await o.makeServer(o.flags.production);
  await runWorker(app, { port: o.flags.port, host: o.flags.host, graceMs, label: o.label, ...(o.golden ? { golden: o.golden() } : {}) });
}

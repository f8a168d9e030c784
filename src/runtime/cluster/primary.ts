/**
 * The `--production` cluster primary: listens on the port and deals each connection to a ready worker
 * (dealer.ts), forks N workers and replaces a worker that dies, sums the workers' metrics for `/metrics`,
 * on SIGHUP promotes the server to another bento without closing the port (swap.ts), and on
 * SIGTERM/SIGINT stops listening and asks every worker to drain, exiting 0 once all have finished
 * (1 if one failed or the grace period ran out).
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { serveWorkers } from './cluster-metrics.js';
import { Dealer, TAKEN } from './dealer.js';
import { sendToWorker } from './ipc-send.js';
import { listenError } from './listen-error.js';
import { logLine } from './log.js';
import { removeServing } from './serving-file.js';
import { Promoter, type Generation } from './swap.js';
import { DRAINING, READY, RETIRE, SHUTDOWN } from './worker.js';

export interface PrimaryOptions {
  workers: number;
  graceMs: number;
  label: string;
  port: number;
  host: string;
  /** The bento served, for promotions; absent (a project folder): SIGHUP only says it cannot promote. */
  bento?: {
    /** `name:version`. */
    tag: string;
    dir: string;
    /** The service (bento) name. */
    service: string;
    /** What the server was started with, re-resolved on a bare SIGHUP (default `name:latest`). */
    startTag: string;
  };
}

/** Workers that die before ever being ready, in a row, before the primary gives up (e.g. a broken model). */
const MAX_STARTUP_FAILURES = 3;

/**
 * What a worker is to the primary: `serving` (dealt connections once ready), `pending` (a promotion's new
 * worker, not dealt any until it joins), `retiring` (an old worker handing its clients over), `discarded`
 * (a promotion's failed worker being killed). Only a `serving` worker that dies is replaced.
 */
interface Member {
  gen: Generation;
  role: 'serving' | 'pending' | 'retiring' | 'discarded';
  ready: boolean;
  waiter?: { resolve(): void; reject(err: Error): void };
}

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
  const members = new Map<number, Member>();
  let current: Generation = { bento: opts.bento?.tag ?? opts.label, dir: opts.bento?.dir ?? '', entry: process.argv[1]! };
  let stopping = false;
  let startupFailures = 0;
  let failedExit = false;

  // Old workers waiting their turn to retire (after a promotion), and the one retiring now.
  const toRetire: Worker[] = [];
  let retiringNow: Worker | undefined;
  const retireNext = (): void => {
    if (retiringNow && !retiringNow.isDead()) return;
    retiringNow = toRetire.shift();
    if (!retiringNow) return;
    const retiring = retiringNow;
    sendToWorker(retiring, { type: RETIRE }, () => retiring.process.kill('SIGTERM'));
  };
  const workers = (): Worker[] => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const withRole = (role: Member['role']): Worker[] => workers().filter((w) => members.get(w.id)?.role === role);

  const fork = (gen: Generation, role: Member['role']): Worker => {
    // The same flags for every generation; only the script differs (each bento's own entry and code).
    cluster.setupPrimary({ exec: gen.entry, args: process.argv.slice(2) });
    const w = cluster.fork();
    members.set(w.id, { gen, role, ready: false });
    return w;
  };

  const promoter = opts.bento
    ? new Promoter(
        {
          workers: opts.workers,
          current: () => current,
          forkPending: (gen) => fork(gen, 'pending'),
          whenReady: (w) =>
            new Promise<void>((resolve, reject) => {
              const m = members.get(w.id);
              if (!m) return reject(new Error(`worker ${w.process.pid} is gone`));
              if (m.ready) return resolve();
              m.waiter = { resolve, reject };
            }),
          serving: () => withRole('serving').filter((w) => members.get(w.id)!.ready),
          join: (gen, ws) => {
            current = gen;
            for (const w of ws) {
              const m = members.get(w.id);
              if (!m) continue;
              m.role = 'serving';
              dealer.add(w);
            }
          },
          retireOthers: (gen) => {
            const old = withRole('serving').filter((w) => members.get(w.id)!.gen !== gen);
            // New connections go to the new workers only, from now on; the old ones hand their clients over one
            // at a time, so the new workers never get every client at the same moment.
            for (const w of old) {
              members.get(w.id)!.role = 'retiring';
              dealer.remove(w);
            }
            toRetire.push(...old);
            retireNext();
            return old.length;
          },
          discard: (ws) => {
            for (const w of ws) {
              const m = members.get(w.id);
              if (m) m.role = 'discarded';
              dealer.remove(w);
              if (!w.isDead()) w.process.kill('SIGKILL');
            }
          },
        },
        {
          service: opts.bento.service,
          tag: opts.bento.startTag,
          timeoutMs: promoteTimeoutMs(),
          record: { pid: process.pid, url: address, port: bound.port, host: opts.host, service: opts.bento.service, tag: opts.bento.startTag, workers: opts.workers, started: new Date().toISOString() },
        },
      )
    : undefined;
  serveWorkers(workers, promoter ? () => promoter.metrics() : undefined);

  cluster.on('message', (worker: Worker, msg: { type?: string; id?: number }) => {
    if (msg?.type === TAKEN && typeof msg.id === 'number') {
      dealer.taken(msg.id);
    } else if (msg?.type === READY) {
      const m = members.get(worker.id);
      if (!m) return;
      m.ready = true;
      if (m.role === 'serving') {
        startupFailures = 0;
        if (!stopping) dealer.add(worker);
      } else if (m.role === 'pending') {
        m.waiter?.resolve();
      }
    } else if (msg?.type === DRAINING) {
      dealer.remove(worker);
    }
  });
  // The IPC channel closes as soon as a worker dies: its connections not yet taken go to another at once.
  cluster.on('disconnect', (worker: Worker) => dealer.remove(worker));

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    dealer.remove(worker);
    const m = members.get(worker.id);
    members.delete(worker.id);
    const how = signal ?? `exit code ${code}`;
    if (stopping) {
      if (code !== 0 && m?.role !== 'discarded') failedExit = true;
      if (workers().length === 0) {
        logLine('info', 'all workers stopped');
        process.exit(failedExit ? 1 : 0);
      }
      return;
    }
    if (m?.role === 'pending') {
      m.waiter?.reject(new Error(`new worker ${worker.process.pid} died before it was ready (${how})`));
      return;
    }
    if (m?.role === 'discarded') return;
    if (m?.role === 'retiring') {
      logLine(code === 0 ? 'info' : 'warn', `old worker ${worker.process.pid} (${m.gen.bento}) retired (${how})`, { worker: worker.id });
      const queued = toRetire.indexOf(worker);
      if (queued >= 0) toRetire.splice(queued, 1);
      retireNext();
      return;
    }
    logLine('warn', `worker ${worker.process.pid} died (${how}); starting another`, { worker: worker.id });
    if (!m?.ready && ++startupFailures >= MAX_STARTUP_FAILURES) {
      logLine('error', `${startupFailures} workers in a row died before becoming ready; giving up`);
      failedExit = true;
      stop('startup failures');
      return;
    }
    fork(m?.gen ?? current, 'serving');
  });

  const stop = (why: string): void => {
    if (stopping) return;
    stopping = true;
    logLine('info', `shutting down (${why}): draining ${workers().length} workers`);
    server.close();
    dealer.close();
    for (const w of workers()) {
      if (members.get(w.id)?.role === 'discarded') continue;
      sendToWorker(w, { type: SHUTDOWN }, () => w.process.kill('SIGTERM'));
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
  process.on('SIGHUP', () => {
    if (stopping) return;
    if (!promoter) logLine('warn', 'SIGHUP: a project folder is served, not a bento: nothing to promote (restart it instead)');
    else promoter.signal();
  });
  if (promoter) {
    promoter.writeRecord();
    process.on('exit', () => removeServing(process.pid));
  }

  for (let i = 0; i < opts.workers; i++) fork(current, 'serving');
}

/** BENTO_PROMOTE_TIMEOUT: seconds the new workers of a promotion have to load and pass the check (default 60). */
function promoteTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const s = Number(env.BENTO_PROMOTE_TIMEOUT ?? 60);
  return (Number.isFinite(s) && s > 0 ? s : 60) * 1000;
}

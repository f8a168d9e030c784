/**
 * Promotion without downtime, in the cluster primary. Told to serve another bento (SIGHUP: a request
 * left by `requestPromotion`, else the tag the server was started with, re-resolved), the primary:
 *   1. forks N new workers on the new bento's entry; they load and warm their models but get no connection;
 *   2. asks each for the golden-sample check (golden.ts): recorded inputs through its real routes must
 *      give finite answers — and, when a tolerance is asked for, answers within it of an old worker's;
 *   3. only then deals new connections to them (they join), and retires the old workers: these hand their
 *      clients over (worker.ts) and exit once their last connection has closed.
 * If a new worker dies, fails the check or is not ready in time, the new ones are killed and the old ones
 * never stopped serving: the failure is logged, written to the serving record (serving-file.ts) and
 * counted in `<prefix>promotion_total{outcome="failed"}`. The listening socket is the primary's and is
 * never closed. Promotions run one at a time; a signal during one is taken after it.
 */
import cluster, { type Worker } from 'node:cluster';
import path from 'node:path';
import client from 'prom-client';
import { locateBento } from '../../bento/locate.js';
import { BentoError, fromThrown } from '../../errors.js';
import { metricPrefix } from '../http/metrics.js';
import { sendToWorker } from './ipc-send.js';
import { relativeChange, type GoldenResult, type GoldenSample } from './golden.js';
import { logLine } from './log.js';
import { takePromotionRequest, writeServing, type PromotionOutcome, type PromotionRequest, type ServingRecord } from './serving-file.js';
import { GOLDEN, GOLDEN_RESULT } from './worker.js';

/** One bento the workers run: its entry script is what `cluster.fork` executes. */
export interface Generation {
  /** `name:version`. */
  bento: string;
  dir: string;
  entry: string;
}

/** What the primary lends the promoter. */
export interface SwapHost {
  workers: number;
  current(): Generation;
  /** Forks a worker on `gen` that takes no connection until joined. */
  forkPending(gen: Generation): Worker;
  /** Resolves when the pending worker is ready; rejects with the reason when it exits first. */
  whenReady(w: Worker): Promise<void>;
  /** The workers taking connections now. */
  serving(): Worker[];
  /** The pending workers take connections from now on, and `gen` is what replacements run. */
  join(gen: Generation, ws: Worker[]): void;
  /**
   * Every serving worker not on `gen` hands its clients over and exits — also one forked to replace a worker
   * that died during the promotion and not ready yet; resolves with how many.
   */
  retireOthers(gen: Generation): number;
  /** Failed new workers are killed (no replacement). */
  discard(ws: Worker[]): void;
}

export interface PromoterOptions {
  service: string;
  /** The tag the server was started with (a bare SIGHUP re-resolves it). */
  tag: string;
  /** Longest a promotion may take until the new workers pass the check (BENTO_PROMOTE_TIMEOUT seconds, default 60). */
  timeoutMs: number;
  /** The serving record's fixed fields. */
  record: Omit<ServingRecord, 'bento' | 'promoting' | 'promotion'>;
}

const GOLDEN_TIMEOUT_MS = 30_000;

/** The golden check run on a worker (its own samples, or `samples`); rejects when it does not answer in time. */
function askGolden(w: Worker, samples?: GoldenSample[]): Promise<GoldenResult> {
  const id = ++askGolden.seq;
  return new Promise((resolve, reject) => {
    const onMessage = (from: Worker, msg: GoldenResult & { type?: string; id?: number }): void => {
      if (from !== w || msg?.type !== GOLDEN_RESULT || msg.id !== id) return;
      done();
      resolve({ ok: msg.ok, samples: msg.samples, outputs: msg.outputs, ...(msg.reason ? { reason: msg.reason } : {}) });
    };
    const onExit = (gone: Worker): void => {
      if (gone !== w) return;
      done();
      reject(new Error(`worker ${w.process.pid} exited during the golden check`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`worker ${w.process.pid} did not answer the golden check in ${GOLDEN_TIMEOUT_MS / 1000} s`));
    }, GOLDEN_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      cluster.off('message', onMessage);
      cluster.off('exit', onExit);
    };
    cluster.on('message', onMessage);
    cluster.on('exit', onExit);
    sendToWorker(w, { type: GOLDEN, id, ...(samples ? { samples } : {}) }, (err) => {
      done();
      reject(new Error(`worker ${w.process.pid} cannot be asked for the golden check: ${err.message}`));
    });
  });
}
askGolden.seq = 0;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export class Promoter {
  private running = false;
  private again = false;
  private readonly registry = new client.Registry();
  private readonly total: client.Counter<string>;
  private readonly duration: client.Gauge<string>;
  private promoting: string | undefined;
  private last: PromotionOutcome | undefined;

  constructor(
    private readonly host: SwapHost,
    private readonly opts: PromoterOptions,
  ) {
    const p = metricPrefix(opts.service);
    this.total = new client.Counter({ name: `${p}promotion_total`, help: 'Promotions to another bento, by outcome', labelNames: ['outcome'], registers: [this.registry] });
    for (const outcome of ['succeeded', 'failed', 'unchanged']) this.total.inc({ outcome }, 0);
    this.duration = new client.Gauge({ name: `${p}promotion_duration_seconds`, help: 'Time the last promotion took, until the new workers took traffic', registers: [this.registry] });
  }

  /** The primary's own metrics (summed with the workers'). */
  metrics(): Promise<client.MetricObjectWithValues<client.MetricValue<string>>[]> {
    // Labelled, like every series of the service, with the version served now.
    this.registry.setDefaultLabels({ service_version: this.host.current().bento.split(':')[1] ?? '' });
    return this.registry.getMetricsAsJSON();
  }

  /** Writes the serving record (the current bento, the promotion running, the last outcome). */
  writeRecord(): void {
    try {
      writeServing({ ...this.opts.record, bento: this.host.current().bento, ...(this.promoting ? { promoting: this.promoting } : {}), ...(this.last ? { promotion: this.last } : {}) });
    } catch (err) {
      logLine('warn', `cannot write the serving record: ${(err as Error).message}`);
    }
  }

  /** SIGHUP: take the waiting request (or re-resolve the start tag) and promote; one at a time. */
  signal(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      do {
        this.again = false;
        const req = takePromotionRequest(this.opts.record.pid) ?? { id: `sighup-${Date.now()}`, bento: this.opts.tag };
        await this.promote(req);
      } while (this.again);
      this.running = false;
    })();
  }

  private async promote(req: PromotionRequest): Promise<void> {
    const started = Date.now();
    const from = this.host.current();
    let target = req.bento;
    let pending: Worker[] = [];
    const finish = (state: PromotionOutcome['state'], reason?: string): void => {
      const ms = Date.now() - started;
      this.last = { id: req.id, state, bento: target, from: from.bento, ...(reason ? { reason } : {}), duration_ms: ms, at: new Date().toISOString() };
      this.promoting = undefined;
      this.total.inc({ outcome: state });
      if (state !== 'unchanged') this.duration.set(ms / 1000);
      this.writeRecord();
    };
    try {
      const { dir, info } = await locateBento(req.bento);
      target = `${info.name}:${info.version}`;
      if (info.name !== this.opts.service) throw new BentoError('BAD_ARGUMENT', `${target} is another service than the one served (${this.opts.service})`);
      if (target === from.bento) {
        logLine('info', `promotion to ${target}: already serving it`, { promotion: req.id });
        finish('unchanged', 'already serving this bento');
        return;
      }
      const gen: Generation = { bento: target, dir, entry: path.join(dir, info.runtime.entry) };
      this.promoting = target;
      this.writeRecord();
      logLine('info', `promoting ${from.bento} → ${target}: starting ${this.host.workers} new workers`, { promotion: req.id });
      pending = Array.from({ length: this.host.workers }, () => this.host.forkPending(gen));
      await withTimeout(Promise.all(pending.map((w) => this.host.whenReady(w))), this.opts.timeoutMs, 'loading the new workers');
      const results = await Promise.all(pending.map((w) => askGolden(w)));
      const failed = results.find((r) => !r.ok);
      if (failed) throw new BentoError('BAD_MODEL', `golden check failed: ${failed.reason}`);
      const checked = results[0]!;
      let note = `golden check passed on ${checked.samples.length} request${checked.samples.length === 1 ? '' : 's'} (${checked.outputs.reduce((n, o) => n + o.length, 0)} answers)`;
      if (checked.samples.length === 0) note = 'no golden inputs recorded: checked that the models loaded';
      if (req.tolerance !== undefined && checked.samples.length > 0) {
        const old = this.host.serving()[0];
        if (!old) throw new BentoError('INTERNAL', 'no old worker to compare the golden answers with');
        const theirs = await askGolden(old, checked.samples);
        if (!theirs.ok) throw new BentoError('BAD_MODEL', `the old model could not answer the golden inputs: ${theirs.reason}`);
        const change = relativeChange(checked.outputs, theirs.outputs);
        if (change === undefined) throw new BentoError('BAD_MODEL', 'the new answers do not line up with the old ones (another shape)');
        if (change > req.tolerance) throw new BentoError('BAD_MODEL', `golden answers changed by ${(change * 100).toFixed(1)} % from the old model's (tolerance ${(req.tolerance * 100).toFixed(1)} %)`);
        note += `; ${(change * 100).toFixed(1)} % from the old model's answers`;
      }
      this.host.join(gen, pending);
      const old = this.host.retireOthers(gen);
      logLine('info', `promoted ${from.bento} → ${target} in ${Date.now() - started} ms: ${note}; ${old} old workers draining`, { promotion: req.id });
      finish('succeeded', note);
    } catch (err) {
      this.host.discard(pending);
      const e = fromThrown(err);
      const reason = err instanceof BentoError ? `${e.code}: ${e.message}` : e.message;
      logLine('error', `promotion to ${target} failed, still serving ${from.bento}: ${reason}`, { promotion: req.id });
      finish('failed', reason);
    }
  }
}

/**
 * Adaptive batching: concurrent requests are merged into one model call and split back in order.
 * It knows nothing of HTTP or ONNX: it wraps a plain `callback(batch) → one output per unit`, where a unit
 * is a row of float32 features (the rows APIs; the default) or an item of a JSON list (batchable handler
 * APIs), cut and joined by a `BatchCodec`.
 *
 * - A batch holds at most `maxBatchSize` rows; a larger request is split across batches.
 * - One call runs at a time; requests arriving meanwhile form the next batch (natural batching).
 * - When idle, a linear cost model (`CostModel`) decides whether waiting for one more request pays off:
 *   waiting one expected inter-arrival gap costs each waiting request that gap, and saves the next
 *   request a call's fixed cost. Timers, never polling.
 * - A request that cannot be answered within its budget is shed with `ShedError` (OVERLOADED, with a
 *   retry-after hint) instead of buffered. Its budget is `maxLatencyMs` of waiting plus its own work (the
 *   caller's measured parsing, and the model's cost of its own rows), so a 10 000-row request is judged by
 *   the wait the others impose on it, not by its size. `maxQueueRows`, when set, bounds the rows waiting.
 */
import { BentoError } from '../../errors.js';
import type { Rows } from '../../sdk/index.js';
import type { Cancellation } from './cancellation.js';
import { systemClock, type Clock } from './clock.js';
import { CostModel } from './cost-model.js';
import { rowsCodec, type BatchCodec } from './codecs.js';

export { itemsCodec, rowsCodec, type BatchCodec } from './codecs.js';

export type BatchCallback<In = Rows, Out = Float32Array> = (batch: In) => Promise<Out>;

export interface BatcherOptions<In = Rows, Out = Float32Array> {
  /** Most rows in one call (a whole number ≥ 1, as resolveApiSettings checks it). */
  maxBatchSize: number;
  /** Budget of a request inside the batcher, from submit to answer. */
  maxLatencyMs: number;
  /** Most rows waiting; past it new requests are shed. Default: no bound but time (each request's budget). */
  maxQueueRows?: number;
  clock?: Clock;
  /** Called after every call with its size and duration (metrics). */
  onBatch?(rows: number, ms: number): void;
  /**
   * The cost to learn from a call that took `wallMs` from dispatch to answer (default: that). A caller that
   * can time the model alone returns that, so waiting for a busy event loop is not taken for model cost.
   */
  costOf?(rows: number, wallMs: number): number;
  /**
   * Milliseconds each call waits now for the caller's event loop beyond the model's own time (the lag of a
   * loop busy with other requests), added in expectedMs per call, at most once per request queued (a
   * 10 000-row request split into ten calls waits for other requests' parsing once, not ten times). A caller whose costOf leaves that wait
   * out gives it here, read when needed: stored in the cost samples instead, the lag of a past burst (an
   * upload attack) stayed in the fit for 64 calls and judged bulk requests late long after it was over.
   */
  waitPerCallMs?(): number;
  /** How inputs are cut and joined (default: rowsCodec(), for Rows and Float32Array). */
  codec?: BatchCodec<In, Out>;
}

/**
 * A request the batcher refused or dropped because it could not be answered within its budget. It has no
 * stack trace: it is an answer, never a bug to trace, and under overload it is made a thousand times a
 * second (made 16 awaits deep: 4.9 µs with a stack, 1.2 µs without; bench/shed.ts).
 */
export class ShedError extends BentoError {
  /** Whole seconds after which a retry has a chance (≥ 1), for a Retry-After header. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('OVERLOADED', message);
    Error.stackTraceLimit = limit;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

interface Pending<In, Out> {
  input: In;
  /** Units in `input`. */
  count: number;
  /** Units handed to a batch so far. */
  next: number;
  /** Units answered so far. */
  done: number;
  /** Answers of a request split across batches, in order. */
  pieces?: Out[];
  deadline: number;
  settled: boolean;
  resolve(out: Out): void;
  reject(err: unknown): void;
  unlisten?: () => void;
}

interface Slice<In, Out> {
  item: Pending<In, Out>;
  from: number;
  count: number;
}

/**
 * @example
 *   const b = new Batcher((rows) => model.run(rows.data, rows.count, rows.width), { maxBatchSize: 1000, maxLatencyMs: 200 });
 *   const out = await b.submit({ data, count: 3, width: 5 }); // 3 outputs, in order
 */
export class Batcher<In = Rows, Out = Float32Array> {
  readonly cost = new CostModel();
  private readonly codec: BatchCodec<In, Out>;
  private readonly clock: Clock;
  private readonly max: number;
  private readonly maxLatencyMs: number;
  private readonly maxQueueRows: number;
  private readonly queue: Array<Pending<In, Out>> = [];
  private queued = 0;
  private busy = false;
  private busySince = 0;
  private busyRows = 0;
  private scheduled = false;
  private waited = false;
  private cancelWait: (() => void) | undefined;
  private lastArrival = Number.NaN;
  private gap = Number.POSITIVE_INFINITY;

  constructor(
    private readonly callback: BatchCallback<In, Out>,
    private readonly opts: BatcherOptions<In, Out>,
  ) {
    // The settings come resolved and checked (sdk/settings.ts); this only guards the invariant the loops rely on.
    if (!(opts.maxBatchSize >= 1 && opts.maxLatencyMs > 0)) {
      throw new BentoError('INTERNAL', `batcher: unresolved settings (maxBatchSize ${opts.maxBatchSize}, maxLatencyMs ${opts.maxLatencyMs})`);
    }
    // Without a codec the units are Rows (In and Out at their defaults): the rows codec is theirs.
    this.codec = opts.codec ?? (rowsCodec() as unknown as BatchCodec<In, Out>);
    this.clock = opts.clock ?? systemClock;
    this.max = opts.maxBatchSize;
    this.maxLatencyMs = opts.maxLatencyMs;
    this.maxQueueRows = opts.maxQueueRows ?? Number.POSITIVE_INFINITY;
  }

  /** Rows waiting for a batch. */
  get queuedRows(): number {
    return this.queued;
  }

  /**
   * Queues `rows` and resolves with one output per row, in order. Rejects with ShedError when the request
   * cannot be answered in time, or with the cancellation's reason when cancelled before its answer.
   * `since` (clock time) is when the request arrived, if earlier than now: its budget counts from there.
   * `ownMs` is work the request itself took before it came here (parsing, validation, preprocessing): it
   * extends the budget, as its size does (sizeBudgetMs).
   */
  submit(input: In, cancel?: Cancellation, since?: number, ownMs = 0): Promise<Out> {
    const count = this.codec.count(input);
    if (count === 0) return Promise.resolve(this.codec.empty());
    const problem = this.codec.problem?.(input);
    if (problem) return Promise.reject(new BentoError('INTERNAL', problem));
    if (cancel?.cancelled) return Promise.reject(cancel.reason);
    const now = this.clock.now();
    const deadline = Math.min(now, since ?? now) + this.maxLatencyMs + Math.max(0, ownMs) + this.sizeBudgetMs(count);
    this.noteArrival(now);

    // Its whole budget already spent before it got here (waiting to be read and parsed): answering it
    // would only make it later still.
    if (now > deadline) return Promise.reject(this.shed(`it waited past its ${this.maxLatencyMs} ms budget before reaching the model`));
    // Shed now rather than buffer: only when something is ahead, or a lone huge request could never run.
    const ahead = this.busy || this.queue.length > 0;
    if (ahead && this.queued + count > this.maxQueueRows) {
      return Promise.reject(this.shed(`the queue is full (${this.queued} rows waiting)`));
    }
    if (ahead && this.cost.samples > 0 && now + this.expectedMs(count, now) > deadline) {
      return Promise.reject(this.shed(`the model cannot answer within ${this.maxLatencyMs} ms at the current load`));
    }

    return new Promise<Out>((resolve, reject) => {
      const item: Pending<In, Out> = { input, count, next: 0, done: 0, deadline, settled: false, resolve, reject };
      if (cancel) {
        cancel.onCancel((reason) => this.fail(item, reason));
        item.unlisten = () => cancel.onCancel(undefined);
      }
      this.queue.push(item);
      this.queued += count;
      this.schedule();
    });
  }

  /**
   * The extra budget of a request of `rows` rows: `maxLatencyMs` is the budget of a request that fits in
   * one batch; each further batch its rows fill adds as much again (a 10 000-row request at 1 000 rows per
   * batch may take ten times as long as a small one).
   */
  sizeBudgetMs(rows: number): number {
    return Math.max(0, Math.ceil(rows / this.max) - 1) * this.maxLatencyMs;
  }

  /**
   * Whether the requests already waiting use more than half of a `budgetMs` budget: one arriving now would
   * likely be shed once its body is read, so a route refuses it at the door instead.
   */
  congested(budgetMs: number): boolean {
    return this.queued > 0 && this.expectedMs(0) > 0.5 * budgetMs;
  }

  /** Milliseconds until a request of `rows` rows submitted now would be answered, per the cost model. */
  expectedMs(rows: number, now = this.clock.now()): number {
    const busyLeft = this.busy ? Math.max(0, this.busySince + this.cost.estimate(this.busyRows) - now) : 0;
    const total = this.queued + rows;
    const calls = Math.ceil(total / this.max);
    // The loop's other work is mostly reading the requests that come: a call waits for it at most once
    // per request queued (plus this one). Small requests: a wait per call, as many as there are; bulk
    // requests split into many calls: a wait per request, not per call.
    const waits = Math.min(calls, this.queue.length + (rows > 0 ? 1 : 0));
    return busyLeft + calls * this.cost.b + waits * (this.opts.waitPerCallMs?.() ?? 0) + total * this.cost.a;
  }

  private shed(why: string): ShedError {
    const seconds = Math.max(1, Math.ceil(this.expectedMs(0) / 1000));
    return new ShedError(`overloaded: ${why}; retry in ${seconds} s`, seconds);
  }

  private noteArrival(now: number): void {
    if (!Number.isNaN(this.lastArrival)) {
      const gap = Math.min(now - this.lastArrival, this.maxLatencyMs);
      this.gap = Number.isFinite(this.gap) ? 0.9 * this.gap + 0.1 * gap : gap;
    }
    this.lastArrival = now;
  }

  private schedule(): void {
    if (this.busy || this.scheduled) return;
    if (this.cancelWait && this.queued < this.max) return;
    this.scheduled = true;
    this.clock.defer(() => {
      this.scheduled = false;
      this.tick();
    });
  }

  /**
   * After a call: the rest of a request split across batches goes on at once while it fills a whole batch
   * by itself (batches are filled in queue order, so no request arriving meanwhile could join that batch,
   * and a partly answered request is never shed), instead of a deferred tick: one event-loop turn less per
   * call, ten on a 10 000-row request. The call itself still starts after the loop has read its I/O
   * (onnxruntime-node runs a session in a setImmediate). Anything else waits for the tick.
   */
  private continue(): void {
    const head = this.queue[0];
    if (head !== undefined && head.next > 0 && head.count - head.next >= this.max && !this.scheduled && this.cancelWait === undefined) {
      this.dispatch(this.clock.now());
    } else {
      this.schedule();
    }
  }

  private tick(): void {
    if (this.busy) return;
    const now = this.clock.now();
    this.shedExpired(now);
    if (this.queued === 0) return;
    if (!this.waited && this.queued < this.max) {
      const wait = this.worthWaiting(now);
      if (wait > 0) {
        this.waited = true;
        this.cancelWait = this.later(() => {
          this.cancelWait = undefined;
          this.tick();
        }, wait);
        return;
      }
    }
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.waited = false;
    this.dispatch(now);
  }

  /** How long to wait for one more request before calling the model, or 0 to call it now. */
  private worthWaiting(now: number): number {
    if (this.cost.samples < 2 || !Number.isFinite(this.gap) || this.gap <= 0) return 0;
    const n = this.queued;
    const slack = this.queue[0]!.deadline - now - this.cost.estimate(Math.min(n + 1, this.max));
    if (this.gap >= slack || n * this.gap >= this.cost.b) return 0;
    return this.gap;
  }

  /** A cancellable wait; below the timers' 1 ms resolution, one more event-loop turn. */
  private later(fn: () => void, ms: number): () => void {
    if (ms >= 1) return this.clock.setTimer(fn, ms);
    let cancelled = false;
    this.clock.defer(() => {
      if (!cancelled) fn();
    });
    return () => {
      cancelled = true;
    };
  }

  private shedExpired(now: number): void {
    while (this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.next > 0 || now <= item.deadline) return;
      this.queue.shift();
      this.queued -= item.count;
      this.settle(item, this.shed(`waited past its budget (${this.maxLatencyMs} ms plus its own work)`));
    }
  }

  private dispatch(now: number): void {
    const slices: Array<Slice<In, Out>> = [];
    let total = 0;
    while (total < this.max && this.queue.length > 0) {
      const item = this.queue[0]!;
      const count = Math.min(item.count - item.next, this.max - total);
      slices.push({ item, from: item.next, count });
      item.next += count;
      total += count;
      if (item.next === item.count) this.queue.shift();
    }
    this.queued -= total;
    this.busy = true;
    this.busySince = now;
    this.busyRows = total;
    const batch = this.codec.join(slices.map((s) => ({ input: s.item.input, from: s.from, count: s.count })));
    // The batcher is free again before anyone hears back, so a request submitted by an answered caller
    // is not mistaken for one waiting behind a busy model.
    const finish = (): void => {
      const ms = this.clock.now() - now;
      this.busy = false;
      this.cost.observe(total, this.opts.costOf ? this.opts.costOf(total, ms) : ms);
      this.opts.onBatch?.(total, ms);
      if (this.queued > 0) this.continue();
    };
    Promise.resolve()
      .then(() => this.callback(batch))
      .then(
        (out) => {
          finish();
          const n = this.codec.outputCount(out);
          if (n !== total) throw new BentoError('INTERNAL', `model returned ${n < 0 ? 'no list' : n} outputs for ${total} rows`);
          this.answer(slices, out);
        },
        (err: unknown) => {
          this.busy = false;
          if (this.queued > 0) this.schedule();
          throw err;
        },
      )
      .catch((err: unknown) => {
        for (const s of slices) this.fail(s.item, err);
      });
  }

  private answer(slices: Array<Slice<In, Out>>, out: Out): void {
    let off = 0;
    for (const s of slices) {
      const item = s.item;
      if (!item.settled) {
        const piece = this.codec.slice(out, off, s.count);
        if (s.count === item.count) {
          item.done = s.count;
          this.settle(item, undefined, piece);
        } else {
          // Batches run one at a time and in queue order, so the pieces of a request arrive in order.
          (item.pieces ??= []).push(piece);
          item.done += s.count;
          if (item.done === item.count) this.settle(item, undefined, this.codec.concat(item.pieces, item.count));
        }
      }
      off += s.count;
    }
  }

  /** Rejects a request (its call failed, or it was cancelled), taking its waiting rows out of the queue. */
  private fail(item: Pending<In, Out>, err: unknown): void {
    if (item.settled) return;
    this.remove(item);
    this.settle(item, err);
  }

  /** Takes an item's rows that are still waiting out of the queue. */
  private remove(item: Pending<In, Out>): void {
    const i = this.queue.indexOf(item);
    if (i < 0) return;
    this.queue.splice(i, 1);
    this.queued -= item.count - item.next;
  }

  private settle(item: Pending<In, Out>, err: unknown, out?: Out): void {
    item.settled = true;
    item.unlisten?.();
    if (out !== undefined) item.resolve(out);
    else item.reject(err);
  }
}

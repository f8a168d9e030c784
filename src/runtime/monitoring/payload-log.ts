/**
 * The opt-in payload log of one API: requests and predictions as JSON lines, sampled, written off the
 * request path. A request only puts a reference to what it already holds in a bounded queue (or, when
 * the queue is full, counts a dropped line); serialising and writing happen later, in batches, and the
 * file is rotated by size: `<api>.jsonl` → `<api>.1.jsonl` → … → `<api>.<max_files>.jsonl`.
 * The log works only in the process's idle time: it wakes every INTERVAL_MS, and when the event loop was
 * busy more than BUSY_ELU (80 %) of that interval (the process is saturated by requests) it does nothing and
 * waits for the next; otherwise it serialises at most CPU_SHARE of the time (pausing between batches in
 * proportion) and writes one chunk per batch. So at a request rate the process cannot keep up with, the
 * queue fills and lines are dropped (counted), never requests slowed.
 *
 * Each line: `{"time", "api", "service_version", "request_id", "request", "inputs", "outputs"}` — the body
 * as posted, the model rows it became, one prediction per row.
 */
import cluster from 'node:cluster';
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PayloadLogOptions } from '../../sdk/settings.js';

export interface PayloadEntry {
  /** ms since the epoch. */
  time: number;
  requestId: string;
  request: unknown;
  inputs: Float32Array;
  count: number;
  width: number;
  outputs: Float32Array;
}

export interface PayloadLogHooks {
  /** Lines dropped (queue full, or a failed write). */
  dropped(n: number): void;
  /** A write failed (reported once per failure streak). */
  error(err: Error): void;
}

/** Lines serialised per turn of the event loop, so a long queue never holds the loop for long. */
const BATCH = 64;
/** Most of the process's time the log may spend serialising (a single-record line costs ~10 µs). */
const CPU_SHARE = 0.05;
/** How often the log looks for idle time to write in (ms). */
const INTERVAL_MS = 100;
/** Event-loop utilisation over the last interval above which the process has no idle time for the log. */
const BUSY_ELU = 0.8;

/** The file name of `api`'s log in this process: a cluster worker writes a series of its own. */
export function payloadFileName(api: string, rotation = 0): string {
  const worker = cluster.isWorker && cluster.worker ? `.w${cluster.worker.id}` : '';
  return `${api}${worker}${rotation ? `.${rotation}` : ''}.jsonl`;
}

export class PayloadLog {
  private readonly queue: PayloadEntry[] = [];
  private credit = 0;
  private busy = false;
  private file: FileHandle | undefined;
  private bytes = 0;
  private failing = false;
  private idle: Array<() => void> = [];
  private closing = false;
  /** Pause owed to keep to CPU_SHARE, in ms (paid once it reaches a timer's 1 ms). */
  private owedMs = 0;
  // One ISO string per millisecond: many lines of a burst share it.
  private isoTime = 0;
  private iso = '';
  private timer: NodeJS.Timeout | undefined;
  private elu = performance.eventLoopUtilization();

  constructor(
    private readonly api: string,
    private readonly version: string,
    private readonly opts: PayloadLogOptions,
    private readonly hooks: PayloadLogHooks,
  ) {}

  /** Lines waiting to be written. */
  get queued(): number {
    return this.queue.length;
  }

  /** Called on the request path: sampling and a push, or a counted drop. Never throws, never waits. */
  offer(make: () => PayloadEntry): void {
    // Deterministic sampling: exactly `sample_rate` of the requests, no random draw per request.
    this.credit += this.opts.sample_rate;
    if (this.credit < 1) return;
    this.credit -= 1;
    if (this.queue.length >= this.opts.queue_size) {
      this.hooks.dropped(1);
      return;
    }
    this.queue.push(make());
    if (!this.busy) this.wake();
  }

  /** Drains at the next tick of INTERVAL_MS in which the process was not saturated (at once when closing). */
  private wake(): void {
    this.busy = true;
    if (this.closing) {
      clearTimeout(this.timer);
      this.timer = undefined;
      setImmediate(() => void this.drain());
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      if (this.saturated() && !this.closing) this.wake();
      else void this.drain();
    }, INTERVAL_MS);
    this.timer.unref(); // close() writes what is left
  }

  /** Whether the event loop was busy more than BUSY_ELU since the last look (and starts the next interval). */
  private saturated(): boolean {
    const used = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    return used.utilization > BUSY_ELU;
  }

  /** Resolves once every queued line is written (or dropped). */
  flush(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Flushes, then closes the file. */
  async close(): Promise<void> {
    this.closing = true; // no pacing, no waiting for idle time: what is queued is written now
    if (this.timer) this.wake();
    await this.flush();
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, BATCH);
      const start = performance.now();
      const lines = batch.map((e) => this.line(e));
      const busyMs = performance.now() - start;
      try {
        await this.write(lines);
        this.failing = false;
      } catch (err) {
        this.hooks.dropped(batch.length);
        if (!this.failing) this.hooks.error(err as Error);
        this.failing = true;
        await this.file?.close().catch(() => undefined);
        this.file = undefined;
      }
      // let requests run between batches, long enough to keep to CPU_SHARE
      this.owedMs = this.closing ? 0 : this.owedMs + busyMs * (1 / CPU_SHARE - 1);
      const pauseMs = this.owedMs >= 1 ? this.owedMs : 0;
      if (pauseMs) this.owedMs = 0;
      await new Promise<void>((r) => (pauseMs ? setTimeout(r, pauseMs) : setImmediate(r)));
      // Requests came to fill the process meanwhile: the rest waits for idle time again.
      if (this.queue.length && !this.closing && pauseMs && this.saturated()) return this.wake();
    }
    this.busy = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private line(e: PayloadEntry): string {
    const inputs: number[][] = [];
    for (let i = 0; i < e.count; i++) inputs.push(Array.from(e.inputs.subarray(i * e.width, (i + 1) * e.width)));
    if (e.time !== this.isoTime) {
      this.isoTime = e.time;
      this.iso = new Date(e.time).toISOString();
    }
    return (
      JSON.stringify({
        time: this.iso,
        api: this.api,
        service_version: this.version,
        request_id: e.requestId,
        request: e.request,
        inputs,
        outputs: Array.from(e.outputs),
      }) + '\n'
    );
  }

  private async write(lines: string[]): Promise<void> {
    await this.handle(); // knows the size of a file left by an earlier run
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const b = Buffer.byteLength(line);
      if (this.bytes + chunkBytes > 0 && this.bytes + chunkBytes + b > this.opts.max_file_bytes) {
        if (chunk) await this.append(chunk, chunkBytes);
        chunk = '';
        chunkBytes = 0;
        await this.rotate();
      }
      chunk += line;
      chunkBytes += b;
    }
    if (chunk) await this.append(chunk, chunkBytes);
  }

  private async handle(): Promise<FileHandle> {
    if (this.file) return this.file;
    await mkdir(this.opts.dir, { recursive: true });
    const file = path.join(this.opts.dir, payloadFileName(this.api));
    this.file = await open(file, 'a');
    this.bytes = (await stat(file)).size;
    return this.file;
  }

  private async append(text: string, bytes: number): Promise<void> {
    const fh = await this.handle();
    await fh.write(text);
    this.bytes += bytes;
  }

  private async rotate(): Promise<void> {
    await this.file?.close();
    this.file = undefined;
    const at = (n: number): string => path.join(this.opts.dir, payloadFileName(this.api, n));
    for (let i = this.opts.max_files - 1; i >= 1; i--) await rename(at(i), at(i + 1)).catch(ignoreMissing);
    await rename(at(0), at(1)).catch(ignoreMissing);
    this.bytes = 0;
  }
}

function ignoreMissing(err: NodeJS.ErrnoException): void {
  if (err.code !== 'ENOENT') throw err;
}

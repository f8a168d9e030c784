/**
 * The bridge's job queue: one job runs at a time, the others wait in order. Each job is a JSON record
 * (`<dir>/<id>.json`) rewritten atomically (temporary file, then rename) at every change of state or
 * step, so it survives a restart: a job found `running` when the queue opens was cut off by a crash and
 * is marked failed; jobs still `queued` run again.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError, fromThrown } from '../errors.js';
import { newVersion } from '../store/tag.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'rejected' | 'failed';

export interface JobRecord {
  id: string;
  kind: string;
  state: JobState;
  /** The step running (or the last one run). */
  step?: string;
  /** 0 to 1, within the whole job. */
  progress: number;
  created: string;
  started?: string;
  finished?: string;
  request: Record<string, unknown>;
  log: Array<{ at: string; message: string }>;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** What a running job may tell the queue. */
export interface JobContext {
  /** Starts a step (saved at once); `progress` is where the whole job stands. */
  step(name: string, progress: number): Promise<void>;
  /** A log line (saved with the next step, state or `flush`). */
  log(message: string): void;
  flush(): Promise<void>;
}

/** How a job ended: `failed` with a result keeps what was done before the failure (e.g. a built bento that was not promoted). */
export type JobOutcome = { state: 'succeeded' | 'rejected'; result: Record<string, unknown> } | { state: 'failed'; result: Record<string, unknown>; error: { code: string; message: string } };

/** Runs one job; resolves with its end state and result, or throws (the job fails with the error). */
export type JobRunner = (job: JobRecord, ctx: JobContext) => Promise<JobOutcome>;

const TMP = '.tmp-';

export class JobQueue {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly waiting: string[] = [];
  private running: Promise<void> | undefined;
  private stopping = false;
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(
    readonly dir: string,
    private readonly runner: JobRunner,
  ) {}

  /** Opens the queue's folder: reads every record, fails those a crash cut off, re-queues the waiting ones. */
  static async open(dir: string, runner: JobRunner): Promise<JobQueue> {
    const q = new JobQueue(dir, runner);
    await fs.mkdir(dir, { recursive: true });
    for (const f of (await fs.readdir(dir)).sort()) {
      if (f.startsWith(TMP)) {
        await fs.rm(path.join(dir, f), { force: true }); // a record write cut off: the previous record stands
        continue;
      }
      if (!f.endsWith('.json')) continue;
      const job = JSON.parse(await fs.readFile(path.join(dir, f), 'utf8')) as JobRecord;
      q.jobs.set(job.id, job);
      if (job.state === 'running') {
        const now = new Date().toISOString();
        Object.assign(job, { state: 'failed', finished: now, error: { code: 'INTERRUPTED', message: `the bridge stopped while this job ran (step ${job.step ?? 'start'}); nothing it had not finished was kept` } });
        job.log.push({ at: now, message: 'failed: interrupted by a restart' });
        await q.save(job);
      } else if (job.state === 'queued') q.waiting.push(job.id);
    }
    q.kick();
    return q;
  }

  /** Queues a job; it starts when the jobs before it are done. */
  async submit(kind: string, request: Record<string, unknown>): Promise<JobRecord> {
    const job: JobRecord = { id: newVersion(), kind, state: 'queued', progress: 0, created: new Date().toISOString(), request, log: [] };
    this.jobs.set(job.id, job);
    this.waiting.push(job.id); // in the order submitted
    await this.save(job);
    this.kick();
    return job;
  }

  get(id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new BentoError('NOT_FOUND', `no job "${id}"`);
    return job;
  }

  /** Every job, newest first. */
  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  /** Resolves once no job runs or waits. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Starts no more jobs and resolves when the running one is done (the waiting ones run after a restart). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private kick(): void {
    if (this.stopping || this.running || this.waiting.length === 0) return;
    const job = this.jobs.get(this.waiting.shift()!)!;
    this.running = this.run(job).finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async run(job: JobRecord): Promise<void> {
    const note = (message: string): void => void job.log.push({ at: new Date().toISOString(), message });
    Object.assign(job, { state: 'running', started: new Date().toISOString() });
    note('started');
    await this.save(job);
    const ctx: JobContext = {
      step: async (name, progress) => {
        Object.assign(job, { step: name, progress });
        note(`step: ${name}`);
        await this.save(job);
      },
      log: note,
      flush: () => this.save(job),
    };
    try {
      const outcome = await this.runner(job, ctx);
      Object.assign(job, { state: outcome.state, result: outcome.result, progress: outcome.state === 'failed' ? job.progress : 1 });
      if (outcome.state === 'failed') {
        job.error = outcome.error;
        note(`failed: ${outcome.error.code}: ${outcome.error.message}`);
      } else note(outcome.state);
    } catch (err) {
      const e = fromThrown(err);
      Object.assign(job, { state: 'failed', error: { code: e.code, message: e.message } });
      note(`failed: ${e.code}: ${e.message}`);
    }
    job.finished = new Date().toISOString();
    await this.save(job);
  }

  /** Writes a record atomically (a crash leaves the previous record whole), one write at a time per job, in order. */
  private save(job: JobRecord): Promise<void> {
    const next = (this.writes.get(job.id) ?? Promise.resolve()).then(() => this.write(job));
    this.writes.set(job.id, next.catch(() => undefined));
    return next;
  }

  private async write(job: JobRecord): Promise<void> {
    const tmp = path.join(this.dir, `${TMP}${job.id}-${randomBytes(4).toString('hex')}`);
    await fs.writeFile(tmp, JSON.stringify(job, null, 2) + '\n');
    await fs.rename(tmp, path.join(this.dir, `${job.id}.json`));
  }
}

/**
 * A retrain job, the loop's one long call: train on a dataset version → the promotion gate → record the
 * model and its run → build the bento → optionally containerize → promote (a hook: this module builds
 * what should be served; putting it into a running server is the caller's `promote`).
 */
import { buildBento } from '../builder/build.js';
import { containerize } from '../containerize/containerize.js';
import type { BackendName } from '../containerize/backends.js';
import { datasetFile, getDataset } from '../datasets/dataset-store.js';
import { recordCandidate } from '../pipeline/train-and-save.js';
import { formatTag } from '../store/tag.js';
import { promotionGate } from './gate.js';
import { trainInWorker } from './train-worker.js';
import { BentoError, fromThrown } from '../errors.js';
import type { JobContext, JobOutcome, JobRecord, JobRunner } from './jobs.js';

/** What `POST /retrain` takes. */
export interface RetrainRequest {
  /** The dataset version to train on; default the newest version of the bridge's dataset. */
  dataset?: string;
  /** Allowed relative worsening against the served model; default the bridge's. */
  tolerance?: number;
  /** Build the image too. */
  containerize?: boolean;
  backend?: BackendName;
  /** Promote the new bento into the running production servers of its service (promote.ts). */
  promote?: boolean;
}

/** Puts a built bento into service; told the bento tag; resolves with what to report. Throwing fails the job (the bento stays built). */
export type PromoteHook = (bentoTag: string, log: (message: string) => void) => Promise<unknown>;

export interface RetrainOptions {
  /** The project folder: conf/ (catalog, parameters), bentofile.yaml, service.ts. */
  project: string;
  /** The dataset whose newest version a retrain uses by default. */
  dataset: string;
  /** The served bento's name (default: the newest bento serving a model of the trained name). */
  bento?: string;
  tolerance: number;
  promote?: PromoteHook;
}

async function retrain(opts: RetrainOptions, req: RetrainRequest, job: JobRecord, ctx: JobContext): Promise<JobOutcome> {
  await ctx.step('train', 0.05);
  const stored = await getDataset(req.dataset ?? opts.dataset);
  const dataset = formatTag(stored.info.name, stored.info.version);
  ctx.log(`training on ${dataset} (${stored.info.rows} rows)`);
  await ctx.flush();
  // In a worker thread: the bridge keeps answering while it trains.
  const candidate = await trainInWorker({ project: opts.project, dataPath: datasetFile(stored), datasetVersion: dataset, labels: { trained_by: 'bridge', job: job.id } }, (done, total) => void (job.progress = 0.05 + (0.5 * done) / total));
  ctx.log(`validation MAE ${candidate.result.metrics.mean_absolute_error.toFixed(3)}, test MAE ${candidate.test.mean_absolute_error.toFixed(3)}`);

  await ctx.step('gate', 0.6);
  const gate = await promotionGate(candidate, { tolerance: req.tolerance ?? opts.tolerance, ...(opts.bento ? { bento: opts.bento } : {}) });
  ctx.log(`gate ${gate.passed ? 'passed' : 'refused'}: ${gate.reason}`);
  if (!gate.passed) {
    const { run } = await recordCandidate(candidate, { keepModel: false, gate });
    return { state: 'rejected', result: { dataset, run: formatTag(run.name, run.version), gate } };
  }
  await ctx.step('record', 0.65);
  const { info, run } = await recordCandidate(candidate, { gate });
  const model = formatTag(info!.name, info!.version);
  ctx.log(`stored ${model}, run ${formatTag(run.name, run.version)}`);

  await ctx.step('build', 0.7);
  const built = await buildBento({ projectDir: opts.project, onProgress: (m) => ctx.log(m) });
  ctx.log(`bento ${built.tag}${built.created ? '' : ' (already built)'}`);
  if (!built.info.models.some((m) => m.tag === model)) ctx.log(`warning: ${built.tag} does not pin ${model} (its bentofile names another version)`);
  const result: Record<string, unknown> = { dataset, run: formatTag(run.name, run.version), model, gate, bento: built.tag };

  if (req.containerize) {
    await ctx.step('containerize', 0.8);
    const image = await containerize({ bento: built.tag, ...(req.backend ? { backend: req.backend } : {}) });
    ctx.log(`image ${image.tags.join(', ')} (${image.backend})`);
    result.images = image.tags;
  }
  if (!req.promote) {
    ctx.log(`not promoted (not asked): POST /promote {"bento": "${built.tag}"} or \`bento promote ${built.tag}\` does it`);
    result.promoted = false;
    return { state: 'succeeded', result };
  }
  await ctx.step('promote', 0.95);
  if (!opts.promote) throw new BentoError('BAD_ARGUMENT', 'promotion was asked for and this bridge has no way to promote');
  try {
    result.promotion = await opts.promote(built.tag, ctx.log);
    result.promoted = true;
    return { state: 'succeeded', result };
  } catch (err) {
    // The model, run and bento stay recorded; the server keeps its old bento.
    const e = fromThrown(err);
    result.promoted = false;
    return { state: 'failed', result, error: { code: e.code, message: e.message } };
  }
}

/** The job runner of `retrain` jobs. */
export function retrainRunner(opts: RetrainOptions): JobRunner {
  return (job, ctx) => retrain(opts, job.request as RetrainRequest, job, ctx);
}

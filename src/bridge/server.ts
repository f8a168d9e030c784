/**
 * The bridge: the loop's control service (the original's Flask app on :3030, done right). New rows in
 * (`POST /data`: validated, a new dataset version, never an overwrite), retraining as a queued job
 * (`POST /retrain` → `GET /jobs/{id}`), promotion of a bento into the running production servers
 * (`POST /promote`, or `"promote": true` in a retrain; `GET /serving` lists them), and what the stores
 * hold (`/header`, `/data`, `/runs`, `/models`).
 * Bearer-token authentication on every route but `/livez` and the docs (`/docs`, `/docs.json`).
 */
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { locateBento } from '../bento/locate.js';
import { BentoError } from '../errors.js';
import { listModels } from '../models/model-store.js';
import { loadCatalog } from '../pipeline/catalog.js';
import { modelNameFromFile } from '../pipeline/infer.js';
import { listRuns } from '../pipeline/runs.js';
import { CATALOG_FILE, DEFAULT_CONF } from '../pipeline/train-and-save.js';
import { listServing } from '../runtime/cluster/serving-file.js';
import { registerDocs } from '../runtime/http/docs.js';
import { ERROR_SCHEMA, installErrorHandling } from '../runtime/http/http-errors.js';
import { bentoHome } from '../store/home.js';
import { formatTag } from '../store/tag.js';
import { listDatasets } from '../datasets/dataset-store.js';
import { addRows } from '../datasets/rows.js';
import { catalogSchema } from '../datasets/schema.js';
import { requireToken } from './auth.js';
import { JobQueue, type JobRunner } from './jobs.js';
import { promoteServing } from './promote.js';
import { retrainRunner, type PromoteHook, type RetrainRequest } from './retrain.js';

export interface BridgeOptions {
  /** The project: conf/ (catalog, parameters), bentofile.yaml, service.ts; default the working folder. */
  project?: string;
  /** The conf folder, relative to the project; default conf/base. */
  conf?: string;
  /** Required on every route but /livez and the docs; undefined: no authentication (loopback only, see auth.ts). */
  token?: string;
  /** The dataset new rows go to and retraining uses; default named after the catalog's data file. */
  dataset?: string;
  /** The served bento's name (for the gate); default the newest bento serving the catalog's model. */
  bento?: string;
  /** Allowed relative worsening of the gate's metric; default 0.05. */
  tolerance?: number;
  /** How a retrain's `promote: true` is done; default: the running production servers of the bento (promote.ts). */
  promote?: PromoteHook;
  /** Fastify's logger (pino JSON lines); default off. */
  logger?: boolean;
}

export interface Bridge {
  app: FastifyInstance;
  jobs: JobQueue;
  /** The dataset new rows go to. */
  dataset: string;
}

/** Where job records live: `$BENTO_HOME/bridge/jobs`. */
export const jobsDir = (): string => path.join(bentoHome(), 'bridge', 'jobs');

// Error answers in the OpenAPI document (the success bodies are left to the routes).
const DETAIL: Record<string, typeof ERROR_SCHEMA> = { 400: ERROR_SCHEMA, 401: ERROR_SCHEMA, 404: ERROR_SCHEMA };
const OPEN = (url: string): boolean => url === '/livez' || url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs.json');

/**
 * Makes the bridge (not listening yet): reads the project's catalog (BAD_CONFIG / FILE_NOT_FOUND), opens
 * the job queue (a job a crash cut off is marked failed) and declares the routes.
 *
 * @example
 *   const { app } = await createBridge({ token: process.env.BENTO_BRIDGE_TOKEN });
 *   await app.listen({ port: 3030, host: '127.0.0.1' });
 */
export async function createBridge(opts: BridgeOptions = {}): Promise<Bridge> {
  const project = path.resolve(opts.project ?? process.cwd());
  const catalog = await loadCatalog(path.join(project, opts.conf ?? DEFAULT_CONF, CATALOG_FILE));
  const schema = catalogSchema(catalog);
  const dataset = opts.dataset ?? modelNameFromFile(catalog.data);
  const tolerance = opts.tolerance ?? 0.05;
  if (!(tolerance >= 0)) throw new BentoError('BAD_ARGUMENT', `the tolerance must be a number ≥ 0, not ${tolerance}`);
  const promote: PromoteHook = opts.promote ?? ((tag, log) => promoteServing(tag, log));
  const retrain = retrainRunner({ project, dataset, tolerance, ...(opts.bento ? { bento: opts.bento } : {}), promote });
  // One queue for every kind, so a promotion never runs beside a retrain's.
  const runner: JobRunner = async (job, ctx) => {
    if (job.kind !== 'promote') return retrain(job, ctx);
    const req = job.request as { bento: string; tolerance?: number };
    await ctx.step('promote', 0.1);
    const servers = await promoteServing(req.bento, ctx.log, req.tolerance !== undefined ? { tolerance: req.tolerance } : {});
    return { state: 'succeeded', result: { bento: req.bento, promoted: true, servers } };
  };
  const jobs = await JobQueue.open(jobsDir(), runner);

  // unknown keys in a request are errors naming them, not silently dropped (ajv's removeAdditional)
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 64 * 1024 * 1024, ajv: { customOptions: { removeAdditional: false } } });
  installErrorHandling(app);
  if (opts.token !== undefined) requireToken(app, opts.token, OPEN);
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  await registerDocs(app, { title: 'bento bridge', version: '1', description: 'New data → dataset versions → retraining jobs behind a promotion gate → bentos.' });

  app.get('/livez', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/header', { schema: { summary: "the dataset's columns (the catalog's), its target and features", response: DETAIL } }, async () => ({
    dataset,
    columns: Object.entries(schema.columns).map(([name, type]) => ({ name, type, required: schema.required.includes(name) })),
    target: catalog.target,
    features: catalog.features,
  }));

  app.post(
    '/data',
    {
      schema: {
        summary: 'new rows (a JSON array of records, or text/csv) → validated → a new dataset version',
        description: 'Appended to the newest version unless mode=replace. Bad rows: 400 listing each row number and why; nothing is written.',
        querystring: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, mode: { type: 'string', enum: ['append', 'replace'] } } },
        response: DETAIL,
      },
    },
    async (request, reply) => {
      const q = request.query as { name?: string; mode?: 'append' | 'replace' };
      const body = request.body;
      const rows = typeof body === 'string' ? { csv: body } : { records: Array.isArray(body) ? body : (body as { records?: unknown } | null)?.records };
      const added = await addRows({ name: q.name ?? dataset, rows, schema, mode: q.mode ?? 'append', source: 'bridge' });
      return reply.code(added.created ? 201 : 200).send({ tag: added.tag, created: added.created, rows: added.info.rows, digest: added.info.digest, ...(added.info.parent ? { parent: added.info.parent } : {}) });
    },
  );

  app.get('/data', { schema: { summary: 'the dataset versions, newest first', response: DETAIL } }, async () =>
    (await listDatasets()).map(({ info: d }) => ({ tag: formatTag(d.name, d.version), rows: d.rows, digest: d.digest, source: d.source, parent: d.parent ?? null, creation_time: d.creation_time })),
  );

  app.post(
    '/retrain',
    {
      schema: {
        summary: 'queue a retraining job: train → promotion gate → bento → (image) → (promotion)',
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: {
            dataset: { type: 'string', description: 'dataset version (default: the newest)' },
            tolerance: { type: 'number', minimum: 0, description: "allowed relative worsening of MAE against the served model (default the bridge's)" },
            containerize: { type: 'boolean' },
            backend: { type: 'string', enum: ['docker', 'podman', 'buildah'] },
            promote: { type: 'boolean', description: 'promote the new bento into the running production servers of its service (default false)' },
          },
        },
        response: DETAIL,
      },
    },
    async (request, reply) => {
      const req = (request.body ?? {}) as RetrainRequest;
      const job = await jobs.submit('retrain', { ...req });
      return reply.code(202).header('location', `/jobs/${job.id}`).send({ id: job.id, state: job.state, href: `/jobs/${job.id}` });
    },
  );

  app.post(
    '/promote',
    {
      schema: {
        summary: 'queue a promotion: the running production servers of the bento\'s service switch to it without downtime',
        description:
          'Each server starts workers on the bento, checks them on recorded inputs (finite answers; with `tolerance`, within it of the old answers), lets them take traffic, then drains the old ones. A server that refuses keeps serving its old bento; the job fails with the reason.',
        body: {
          type: 'object',
          required: ['bento'],
          additionalProperties: false,
          properties: {
            bento: { type: 'string', description: 'bento tag (name, name:latest, name:version, a version prefix)' },
            tolerance: { type: 'number', minimum: 0, description: "largest relative change of the golden answers from the old model's (default: not compared)" },
          },
        },
        response: DETAIL,
      },
    },
    async (request, reply) => {
      const body = request.body as { bento: string; tolerance?: number };
      // Resolved now: an unknown tag is a 404 here, and the job promotes exactly this version.
      const { info } = await locateBento(body.bento, { verify: false });
      const tag = formatTag(info.name, info.version);
      const job = await jobs.submit('promote', { ...body, bento: tag });
      return reply.code(202).header('location', `/jobs/${job.id}`).send({ id: job.id, state: job.state, href: `/jobs/${job.id}`, bento: tag });
    },
  );

  app.get('/serving', { schema: { summary: 'the running production servers (from their records under $BENTO_HOME/serving)', response: DETAIL } }, async () => listServing());

  app.get('/jobs', { schema: { summary: 'every job, newest first', response: DETAIL } }, async () => jobs.list());
  app.get(
    '/jobs/:id',
    { schema: { summary: 'a job: state, step, progress, log, result', params: { type: 'object', properties: { id: { type: 'string' } } }, response: DETAIL } },
    async (request) => jobs.get((request.params as { id: string }).id),
  );

  app.get('/runs', { schema: { summary: 'the training runs, newest first', response: DETAIL } }, async () => (await listRuns()).map((r) => r.info));
  app.get('/models', { schema: { summary: 'the models, newest first', response: DETAIL } }, async () =>
    (await listModels()).map(({ info: m }) => ({ tag: formatTag(m.name, m.version), creation_time: m.creation_time, source: m.source, metrics: m.metrics, run: m.run ?? null })),
  );
  return { app, jobs, dataset };
}

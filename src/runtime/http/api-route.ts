/**
 * One API's route: validated body (by the route's schema) → preprocess → model (through the batcher when
 * batchable) → postprocess → JSON. Knows the HTTP side only; the model call is injected.
 */
import type { FastifyInstance } from 'fastify';
import { BentoError } from '../../errors.js';
import type { ApiContext, ApiDefinition, Rows } from '../../sdk/index.js';
import { ERROR_SCHEMA } from './http-errors.js';
import { admissionDoor, takeSlot } from './admission-gate.js';
import type { Readiness } from './health.js';
import type { Admission } from '../batching/admission.js';
import type { Cancellation } from '../batching/cancellation.js';
import type { Traffic } from '../batching/traffic.js';
import type { RecordsToRows } from '../../pipeline/preprocess.js';
import type { ValidateFunction } from 'ajv';
import { answerFormat, toCsv, type AnswerFormat } from './negotiation.js';
import { answerSerializer, jsonReady, listOf } from './json-answer.js';
import { JsonColumns, Table } from './table.js';
import { tableValidator, takesTables } from './table-validation.js';

export interface ApiRouteOptions {
  name: string;
  def: ApiDefinition<unknown, unknown>;
  ctx: ApiContext;
  readiness: Readiness;
  traffic: Traffic;
  admission: Admission;
  /** Whether requests already waiting use most of a request's budget (so it would be shed after parsing). */
  congested(budgetMs: number): boolean;
  /** Number of features the API's model takes per row. */
  width: number;
  /** Runs rows through the model (batched or not); one output per row. `ownMs`: the request's own work so far. */
  infer(rows: Rows, cancel: Cancellation, since: number, ownMs: number): Promise<Float32Array>;
  /** The extra budget a request of `rows` rows gets for its size, in ms (see Batcher.sizeBudgetMs). */
  sizeBudgetMs(rows: number): number;
  bodyLimit: number;
  /** Hands each answered request's rows and outputs to the monitor (absent when monitoring is off). */
  observe?: (rows: Rows, outputs: Float32Array, body: unknown, requestId: string) => void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What a rows API answers this request in (from its Accept header). */
    answerFormat: AnswerFormat;
  }
}

/**
 * JSON numbers beyond float32 (|x| > 3.4e38) would reach the model as ±Infinity: refused, naming the
 * record and the feature. (JSON has no Infinity, so any in the rows came from such a number.)
 */
function checkFinite(rows: Rows, features: readonly string[], table?: Table): void {
  const data = rows.data;
  for (let k = 0; k < data.length; k++) {
    const x = data[k]!;
    if (x === Infinity || x === -Infinity) {
      const row = Math.floor(k / rows.width);
      const path = `/${row}/${features[k % rows.width] ?? k % rows.width}`;
      const why = `is beyond the range of a 32-bit float (±3.4e38), the numbers the model takes${table?.where(row) ?? ''}`;
      throw new BentoError('INVALID_INPUT', `invalid request body: ${path}: ${why}`, [{ path, message: why }]);
    }
  }
}

/** The OpenAPI description of a CSV request body. */
const CSV_BODY = {
  type: 'string',
  description: 'CSV (RFC 4180): a header line naming the columns, then one line per record; an empty field is a missing value.',
};

/** The OpenAPI description of a CSV answer. */
const CSV_ANSWER = { type: 'string', description: 'CSV: a header line (`prediction`, or the answer objects\' keys), then one line per record.' };

/** The OpenAPI description of a rows API taking records, which come in three forms. */
const BODY_DOC =
  'The body: JSON records (`[{"column": value, …}, …]`), JSON columns (`{"column": [value, …], …}`, as pandas\' orient="list"; every list as long), or CSV with a header line (`text/csv`). The answer: JSON, or CSV with `accept: text/csv`.';

/** `fn`, answering true for a table body (checked column by column before), with `fn`'s errors. */
function passingTables(fn: ValidateFunction): ValidateFunction {
  const wrapped = ((body: unknown) => body instanceof Table || fn(body)) as ValidateFunction;
  Object.defineProperty(wrapped, 'errors', { get: () => fn.errors });
  return wrapped;
}

export function registerApiRoute(app: FastifyInstance, o: ApiRouteOptions): void {
  const { def, ctx } = o;
  const features = ctx.models[def.model]?.info.features ?? [];
  if (!app.hasRequestDecorator('doorMark')) app.decorateRequest('doorMark', -1);
  if (!app.hasRequestDecorator('answerFormat')) app.decorateRequest('answerFormat', 'json');
  // A list of records also comes as CSV or JSON columns, and a list can be answered as CSV.
  const tables = takesTables(def.input);
  const canCsv = def.output.type === 'array';
  const fromColumns = (def.preprocess as Partial<RecordsToRows>).fromColumns;
  // Bodies are compiled by the server's compiler; a table body is checked by column, in preValidation.
  const serverCompiler = app.validatorCompiler!;
  const compile = (schema: Record<string, unknown>): ValidateFunction => serverCompiler({ schema, method: 'POST', url: def.route, httpPart: 'body' }) as ValidateFunction;
  const checkTable = tables ? tableValidator(def.input, compile) : undefined;
  // A request without a content type (no body) matches none of the per-type body schemas, so Fastify
  // validates nothing: it is checked here, as a JSON body would be.
  const checkUntyped = tables ? compile(def.input) : undefined;
  // Bytes per row of this API's bodies (a moving average per format: a CSV row is a quarter of a JSON
  // record): at the door, before the body is read, a request's size in rows is guessed from its
  // Content-Length, and its budget with it.
  const bytesPerRow = { csv: 0, json: 0 };
  const formatOf = (type: string | undefined): 'csv' | 'json' => (type !== undefined && /^\s*text\/csv/i.test(type) ? 'csv' : 'json');
  const doorBudget = (length: string | undefined, type: string | undefined): number => {
    const bytes = length === undefined ? 0 : Number(length);
    const perRow = bytesPerRow[formatOf(type)];
    const rows = perRow > 0 && bytes > 0 ? Math.ceil(bytes / perRow) : 1;
    return def.max_latency_ms + o.sizeBudgetMs(rows);
  };
  const budgetMs = def.batchable ? def.max_latency_ms : o.traffic.timeoutMs;
  const door = admissionDoor(o.readiness, o.admission, (request) => o.congested(doorBudget(request.headers['content-length'], request.headers['content-type'])));
  // reply.elapsedTime (used below) counts from the request's arrival because createServer has an
  // onResponse hook: without any, Fastify does not time replies and it stays 0.
  app.post(
    def.route,
    {
      bodyLimit: o.bodyLimit,
      serializerCompiler: answerSerializer,
      config: { tables },
      // Refuse before the body is read: an answer format it cannot have (406), then the door (readiness, a
      // congested batcher, max_concurrency, the adaptive limit).
      onRequest: (request, reply, done) => {
        try {
          request.answerFormat = answerFormat(request.headers.accept, canCsv);
        } catch (err) {
          return done(err as Error);
        }
        door.call(app, request, reply, done);
      },
      // A JSON columns body becomes a table; a table is validated by column (or, when the schema cannot be
      // split by column, as the records it holds).
      preValidation: (request, _reply, done) => {
        try {
          if (tables) {
            if (request.headers['content-type'] === undefined && !checkUntyped!(request.body ?? null)) {
              throw Object.assign(new Error('invalid request body'), { validation: checkUntyped!.errors ?? [], statusCode: 400 });
            }
            let body = request.body;
            const columns = JsonColumns.of(body);
            if (columns) request.body = body = columns;
            if (body instanceof Table) {
              if (checkTable) checkTable(body);
              else request.body = body.toRecords();
            }
          }
          done();
        } catch (err) {
          done(err as Error);
        }
      },
      validatorCompiler: ({ schema, method, url, httpPart, contentType }) => {
        if (httpPart !== 'body') return serverCompiler({ schema, method, url, httpPart });
        if (contentType === 'text/csv') return (body: unknown) => body instanceof Table;
        const fn = compile(schema as Record<string, unknown>);
        return tables ? passingTables(fn) : fn;
      },
      schema: {
        ...(def.doc ? { summary: def.doc } : {}),
        ...(tables ? { description: BODY_DOC } : {}),
        operationId: o.name,
        body: tables ? { content: { 'application/json': { schema: def.input }, 'text/csv': { schema: CSV_BODY } } } : def.input,
        response: {
          200: canCsv ? { content: { 'application/json': { schema: def.output }, 'text/csv': { schema: CSV_ANSWER } } } : def.output,
          '4xx': ERROR_SCHEMA,
          '5xx': ERROR_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      // The slot is taken once the body has arrived (and passed validation): a client trickling its body holds none.
      let own = 0;
      takeSlot(o.admission, request, reply, () => budgetMs + own);
      const body = request.body;
      const table = body instanceof Table ? body : undefined;
      return o.traffic.run(async (cancel) => {
        const rows = table && fromColumns ? fromColumns(table, ctx) : def.preprocess(table ? table.toRecords() : body, ctx);
        if (rows.width !== o.width || rows.data.length !== rows.count * rows.width) {
          throw new BentoError(
            'INTERNAL',
            `api "${o.name}": preprocess returned ${rows.count} rows × ${rows.width} (${rows.data.length} values); the model takes ${o.width} features`,
          );
        }
        checkFinite(rows, features, table);
        const bytes = Number(request.headers['content-length']);
        const f = formatOf(request.headers['content-type']);
        if (rows.count > 0 && bytes > 0) bytesPerRow[f] = bytesPerRow[f] > 0 ? 0.9 * bytesPerRow[f] + 0.1 * (bytes / rows.count) : bytes / rows.count;
        // The request's own work — parsing, validation, preprocessing (measured) — and its size extend its
        // budget: a bulk request is not shed for being big while it can be answered in time.
        const now = performance.now();
        const parsed = request.bodyArrivedAt > 0 ? now - request.bodyArrivedAt : 0;
        own = parsed + o.sizeBudgetMs(rows.count);
        // The latency budget counts from the request's arrival, not from the end of its parsing.
        const outputs = await o.infer(rows, cancel, now - reply.elapsedTime, parsed);
        const csv = request.answerFormat === 'csv';
        // A postprocess's answer may hold what onnxruntime gives (typed arrays, bigints): made ready for JSON and CSV.
        const answer = def.postprocess ? jsonReady(await def.postprocess(outputs, table ? table.toRecords() : body, ctx)) : csv ? outputs : listOf(outputs);
        // A copy of the last rows into the monitoring window; statistics wait for a scrape.
        o.observe?.(rows, outputs, body, request.id);
        // Draining since this request came in: its connection closes after the answer.
        if (o.readiness.state === 'stopping') void reply.header('connection', 'close');
        if (csv) {
          void reply.type('text/csv; charset=utf-8');
          return toCsv(answer);
        }
        // (set, so that the serializer of this content type is picked; every one is answerSerializer's JSON.stringify)
        if (canCsv) void reply.type('application/json; charset=utf-8');
        return answer;
      });
    },
  );
}

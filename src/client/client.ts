/**
 * The typed HTTP client of a bento service, on undici (BentoML's `SyncHTTPClient`/`AsyncHTTPClient`): one
 * keep-alive connection pool per client, one method per API typed from the service definition, a per-call
 * timeout and AbortSignal, bounded retries with jittered backoff on 429/503 honouring `Retry-After`, and
 * typed errors carrying the server's code.
 *
 * @example
 *   import type { svc } from './service.js';
 *   const client = new BentoClient<typeof svc>('http://localhost:3000');
 *   await client.ready({ timeoutMs: 10_000 });
 *   const quality = await client.predict([{ rooms: 3, area: 80 }]); // typed as the API's output
 *   await client.close();
 */
import { Pool, type Dispatcher } from 'undici';
import { AbortedError, BentoClientError, ConnectionError, ServerError, TimeoutError } from './errors.js';
import { DEFAULT_RETRY, RETRY_STATUS, retryDelay, type RetryOptions } from './retry.js';

export interface ClientOptions {
  /** Default time a call may take, retries and waits included (ms; default 30 000). */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Keep-alive connections to the server (default 16). */
  connections?: number;
  /** API name → route, where an API's route is not `/<name>` and /docs.json is not served. */
  routes?: Record<string, string>;
  /** Headers sent with every call (e.g. authorization). */
  headers?: Record<string, string>;
}

export interface CallOptions {
  /** This call's timeout (ms), retries and waits included. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Retries for this call (overrides the client's). */
  retries?: number;
  headers?: Record<string, string>;
}

/** The body an API takes, read from its declaration (`api<In, Out>(…)`): a handler's or a preprocess's argument. */
export type ApiInput<D> = D extends { handler(body: infer I, ...rest: never[]): unknown }
  ? I
  : D extends { preprocess(body: infer I, ...rest: never[]): unknown }
    ? I
    : unknown;
/**
 * What a value is once it has been JSON on the wire, as the server writes answers (runtime/http/json-answer.ts):
 * a typed array is a list of numbers, a bigint a number, a Date a string; objects, arrays and tuples member by member.
 */
export type Jsonified<T> = T extends bigint
  ? number
  : T extends Date
    ? string
    : T extends ArrayBufferView
      ? number[]
      : T extends object
        ? { [K in keyof T]: Jsonified<T[K]> }
        : T;
/** The body an API answers: its declared output type (what a handler resolves to, or postprocess returns), as JSON gives it back. */
export type ApiOutput<D> = D extends { handler(body: never, ctx: never): infer R }
  ? Jsonified<Awaited<R>>
  : D extends { postprocess?(outputs: never, body: never, ctx: never): infer O }
    ? unknown extends O
      ? unknown
      : Jsonified<O>
    : unknown;

type ApisOf<S> = S extends { apis: infer A } ? A : Record<string, unknown>;

/** A client of service `S`: the client's own methods, and one method per API of `S`. */
export type ServiceClient<S> = BentoClientBase & {
  [K in keyof ApisOf<S> as K extends string ? K : never]: (input: ApiInput<ApisOf<S>[K]>, opts?: CallOptions) => Promise<ApiOutput<ApisOf<S>[K]>>;
};

const DEFAULT_TIMEOUT_MS = 30_000;
// Socket-level failures worth another try: the server is restarting, or a kept-alive socket went stale.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
// Names the proxy must not turn into API calls (a client is not a promise, nor JSON).
const NOT_APIS = new Set(['then', 'catch', 'finally', 'toJSON', 'constructor', 'inspect']);

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The client without its API methods; `BentoClient` (below) is this with them. */
export class BentoClientBase {
  readonly url: URL;
  /** The URL's path, prefixed to every route (a service behind a path prefix). */
  private readonly base: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly retry: RetryOptions;
  private readonly headers: Record<string, string>;
  private readonly routes: Record<string, string>;
  private discovered: Promise<Record<string, string>> | undefined;

  constructor(url: string | URL, opts: ClientOptions = {}) {
    this.url = new URL(url);
    this.base = this.url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(this.url.origin, { connections: opts.connections ?? 16, pipelining: 1 });
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.headers = { 'content-type': 'application/json', accept: 'application/json', ...opts.headers };
    this.routes = { ...opts.routes };
  }

  /**
   * Calls API `api` with `input` (sent as JSON) and returns its parsed answer. Throws ServerError (with the
   * server's code) for an error answer, ConnectionError, TimeoutError or AbortedError.
   */
  async call<Out = unknown>(api: string, input: unknown, opts: CallOptions = {}): Promise<Out> {
    const route = this.routes[api] ?? (await this.route(api));
    const body = JSON.stringify(input);
    const text = await this.send('POST', route, body, opts);
    return JSON.parse(text) as Out;
  }

  /** Waits until GET /readyz answers 200 (models loaded), polling; TimeoutError after `timeoutMs`. */
  async ready(opts: { timeoutMs?: number; intervalMs?: number; signal?: AbortSignal } = {}): Promise<void> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.timeoutMs);
    for (;;) {
      const left = deadline - Date.now();
      try {
        const res = await this.pool.request({ path: this.path('/readyz'), method: 'GET', headersTimeout: Math.max(left, 1), bodyTimeout: Math.max(left, 1), ...(opts.signal ? { signal: opts.signal } : {}) });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch (err) {
        if (opts.signal?.aborted) throw new AbortedError('ready() was aborted', err);
        // not up yet: keep polling until the deadline
      }
      if (Date.now() + (opts.intervalMs ?? 100) > deadline) throw new TimeoutError(`${this.url.origin} was not ready within ${opts.timeoutMs ?? this.timeoutMs} ms`);
      await sleep(opts.intervalMs ?? 100, opts.signal).catch((err: unknown) => {
        throw new AbortedError('ready() was aborted', err);
      });
    }
  }

  /** Closes the connection pool (pending calls finish first). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** One request with retries: the answer's text on 2xx, else a typed error. */
  private async send(method: 'POST' | 'GET', route: string, body: string | undefined, opts: CallOptions): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const deadline = Date.now() + timeoutMs;
    const retries = opts.retries ?? this.retry.retries;
    const headers = opts.headers ? { ...this.headers, ...opts.headers } : this.headers;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) throw new TimeoutError(`${method} ${route} took longer than ${timeoutMs} ms`);
      let failure: BentoClientError;
      let retryAfter: string | undefined;
      try {
        // undici's own timers bound the call: no AbortController per request
        const request: Dispatcher.RequestOptions = { path: this.base + route, method, headers, body, headersTimeout: left, bodyTimeout: left };
        if (opts.signal) request.signal = opts.signal;
        const res = await this.pool.request(request);
        const text = await res.body.text();
        if (res.statusCode >= 200 && res.statusCode < 300) return text;
        failure = serverError(res.statusCode, text, res.headers);
        if (!RETRY_STATUS.has(res.statusCode)) throw failure;
        retryAfter = header(res.headers, 'retry-after');
      } catch (err) {
        if (err instanceof BentoClientError) throw err;
        failure = this.transportError(err, method, route, timeoutMs, opts.signal);
        if (!(failure instanceof ConnectionError)) throw failure;
      }
      if (attempt >= retries) throw failure;
      const wait = retryDelay(attempt, retryAfter, this.retry);
      if (Date.now() + wait >= deadline) throw failure;
      await sleep(wait, opts.signal).catch((err: unknown) => {
        throw new AbortedError(`${method} ${route} was aborted`, err);
      });
    }
  }

  private transportError(err: unknown, method: string, route: string, timeoutMs: number, signal: AbortSignal | undefined): BentoClientError {
    const code = (err as { code?: string }).code ?? '';
    if (signal?.aborted) return new AbortedError(`${method} ${route} was aborted`, err);
    if (TIMEOUT_CODES.has(code)) return new TimeoutError(`${method} ${route} took longer than ${timeoutMs} ms`);
    if (CONNECTION_CODES.has(code) || /^E[A-Z]+$/.test(code)) {
      return new ConnectionError(`cannot reach ${this.url.origin} (${code}: ${(err as Error).message})`, code, err);
    }
    return new BentoClientError(`${method} ${route} failed: ${(err as Error)?.message ?? String(err)}`, 'CLIENT_ERROR', { cause: err });
  }

  private path(route: string): string {
    return this.base + route;
  }

  /** An API's route, found once in the server's /docs.json (operationId = API name), else `/<name>`. */
  private async route(api: string): Promise<string> {
    this.discovered ??= this.discoverRoutes();
    const route = (await this.discovered)[api] ?? `/${api}`;
    this.routes[api] = route; // remembered: later calls skip the lookup
    return route;
  }

  private async discoverRoutes(): Promise<Record<string, string>> {
    try {
      const res = await this.pool.request({ path: this.path('/docs.json'), method: 'GET', headersTimeout: 5000, bodyTimeout: 5000 });
      if (res.statusCode !== 200) {
        await res.body.dump();
        return {};
      }
      const doc = (await res.body.json()) as { paths?: Record<string, Record<string, { operationId?: string }>> };
      const routes: Record<string, string> = {};
      for (const [p, ops] of Object.entries(doc.paths ?? {})) {
        const id = ops?.post?.operationId;
        if (id) routes[id] = p;
      }
      return routes;
    } catch {
      return {}; // no docs: the default routes
    }
  }
}

// One method per API, answered by name: `client.predict(records)` is `client.call('predict', records)`. The
// proxy sits at the end of the prototype chain, so the client's own members never go through it.
Object.setPrototypeOf(
  BentoClientBase.prototype,
  new Proxy(Object.prototype, {
    get(target, prop, receiver) {
      if (typeof prop !== 'string' || NOT_APIS.has(prop) || prop in target) return Reflect.get(target, prop, receiver);
      return (input: unknown, callOpts?: CallOptions) => (receiver as BentoClientBase).call(prop, input, callOpts);
    },
  }),
);

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function serverError(status: number, text: string, headers: Record<string, string | string[] | undefined>): ServerError {
  let parsed: { error?: unknown; code?: unknown; details?: unknown } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    // not the service's JSON (a proxy's page, say): keep the status and the text
  }
  const message = typeof parsed.error === 'string' ? parsed.error : text.slice(0, 200) || `HTTP ${status}`;
  const code = typeof parsed.code === 'string' ? parsed.code : `HTTP_${status}`;
  const details = Array.isArray(parsed.details) ? (parsed.details as Array<{ path: string; message: string }>) : [];
  return new ServerError(message, code, status, details, header(headers, 'x-request-id'));
}

/**
 * `new BentoClient<typeof svc>(url, opts)`: a client with one typed method per API of `svc`.
 */
export const BentoClient = BentoClientBase as unknown as {
  new <S = unknown>(url: string | URL, opts?: ClientOptions): ServiceClient<S>;
};
export type BentoClient<S = unknown> = ServiceClient<S>;

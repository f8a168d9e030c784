/**
 * Answers Node's HTTP layer gives before Fastify ever sees a request — a malformed request (400), a request
 * that did not arrive in time (408), an unknown `Expect` (417), headers too large (431), and
 * `Expect: 100-continue` with a body larger than the limit (413 at once, never "100 Continue") — in the
 * service's shape: `{"error","code","details"}`, an `x-request-id`, and counted in /metrics.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BentoError } from '../../errors.js';
import { payloadTooLarge } from './http-errors.js';
import type { ServiceMetrics } from './metrics.js';
import { UNKNOWN_ENDPOINT } from './metrics.js';
import { requestId } from './request-id.js';

export interface RawAnswersOptions {
  metrics: ServiceMetrics;
  /** The routes /metrics labels by name; any other path counts as `unknown`. */
  routes: ReadonlySet<string>;
  bodyLimit: number;
  /** Seconds a request may take to arrive (named in the 408 message). */
  bodyTimeoutSeconds: number;
  /** Whether the server is draining (a late request is then cut short, not timed out). */
  stopping(): boolean;
}

const REASON: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large', 417: 'Expectation Failed', 431: 'Request Header Fields Too Large' };

function endpointOf(routes: ReadonlySet<string>, url: string | undefined): string {
  if (!url) return UNKNOWN_ENDPOINT;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return routes.has(path) ? path : UNKNOWN_ENDPOINT;
}

/** What Node's parser or timer error means for the client. */
export function clientErrorToBento(err: NodeJS.ErrnoException, bodyTimeoutSeconds: number, stopping = false): BentoError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    if (stopping) return new BentoError('REQUEST_TIMEOUT', 'the server is shutting down and the request had not arrived whole; retry on another instance');
    return new BentoError('REQUEST_TIMEOUT', `the request did not arrive whole within ${bodyTimeoutSeconds} s (traffic.body_timeout); send the body at once`);
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') return new BentoError('HEADERS_TOO_LARGE', 'the request headers are larger than this server accepts');
  return new BentoError('BAD_REQUEST', `malformed HTTP request${err.code ? ` (${err.code})` : ''}`);
}

function body(err: BentoError): string {
  return JSON.stringify(err.toJSON());
}

/**
 * Fastify's `clientErrorHandler`: Node reports a socket whose request cannot be read (timed out, malformed,
 * headers too large). The answer is written on the socket, which is then closed.
 */
export function makeClientErrorHandler(o: RawAnswersOptions): (err: NodeJS.ErrnoException, socket: Socket) => void {
  // The answers are few and fixed: built once each (a flood of timed-out uploads must cost little).
  const built = new Map<string, { status: number; text: string }>();
  return (err, socket) => {
    // A reset connection has nobody left to answer.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || socket.destroyed) return;
    const key = `${err.code ?? ''}:${o.stopping()}`;
    let bento = built.get(key);
    if (!bento) {
      const e = clientErrorToBento(err, o.bodyTimeoutSeconds, o.stopping());
      built.set(key, (bento = { status: e.status, text: body(e) }));
    }
    // A request whose headers were read and whose body is late has a response object (Node's own field).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
    const headerSent = inFlight?.headersSent ?? false;
    const id = (inFlight?.getHeader('x-request-id') as string | undefined) ?? requestId();
    const endpoint = endpointOf(o.routes, inFlight?.req?.url);
    if (!headerSent && socket.writable) {
      const text = bento.text;
      socket.write(
        `HTTP/1.1 ${bento.status} ${REASON[bento.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nx-request-id: ${id}\r\nConnection: close\r\n\r\n${text}`,
      );
      o.metrics.requestFinished(endpoint, bento.status, 0);
      if (inFlight) answered.add(inFlight);
    }
    socket.destroy();
  };
}

/** Responses answered here, so that the route's own (failed) ending is not counted a second time. */
const answered = new WeakSet<ServerResponse>();

export function answeredRaw(res: ServerResponse): boolean {
  return answered.has(res);
}

function send(o: RawAnswersOptions, req: IncomingMessage, res: ServerResponse, err: BentoError): void {
  const text = body(err);
  res.shouldKeepAlive = false;
  res.writeHead(err.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId(req),
    connection: 'close',
  });
  res.end(text);
  o.metrics.requestFinished(endpointOf(o.routes, req.url), err.status, 0);
}

/**
 * `Expect` handling on the server: `100-continue` is granted only to a body the server would accept (its
 * Content-Length within the limit), so a client never uploads what is refused; any other expectation is 417.
 */
export function installExpectHandling(server: Server, o: RawAnswersOptions): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > o.bodyLimit) {
      send(o, req, res, payloadTooLarge(o.bodyLimit, length));
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const expect = String(req.headers.expect).slice(0, 100);
    send(o, req, res, new BentoError('EXPECTATION_FAILED', `unsupported Expect header "${expect}": only 100-continue is supported`));
  });
}

interface ConnectionsList {
  expired(headersTimeoutMs: number, requestTimeoutMs: number): Array<{ socket?: Socket }>;
}

/**
 * Requests timed out per slice: a flood of expiring uploads is answered in slices, between which ordinary
 * requests are served. 32 every PACE_MS (1 600/s per worker): with 64, the reconnections of the answered
 * uploads came back fast enough to hold ordinary requests 140–220 ms in one run of five (bench/serve.ts
 * faults); with 32, p99 22–53 ms in five of five.
 */
const SLICE = 32;
/**
 * Milliseconds between two slices when pacing (the deadline check while serving): an attacker reconnects
 * each upload the moment its 408 comes, so 1 400 answered at once come back as 1 400 new connections at
 * once, a burst that held ordinary requests 100–180 ms; paced, they come back spread over ~0.4 s.
 */
export const PACE_MS = 20;

/**
 * Times out every request still arriving (headers or body incomplete) that started more than `ms` ago,
 * answering it as Node answers a request timeout (408, connection closed). This replaces Node's own check,
 * which handles every expired connection in one synchronous loop (1 400 at once stall the server for
 * hundreds of ms) and stops once the server is closed (a drain then waits on trickling clients).
 * Reads Node's per-server connection list (an internal of node:http; absent, nothing is cut). With
 * `paceMs`, the slices are that far apart (see PACE_MS); without, one per event-loop turn (a drain).
 */
export function timeOutArriving(server: Server, ms: number, onClientError: (err: NodeJS.ErrnoException, socket: Socket) => void, paceMs = 0): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
  const list = key ? ((server as unknown as Record<symbol, unknown>)[key] as ConnectionsList | undefined) : undefined;
  if (typeof list?.expired !== 'function') return;
  // expired() also takes them off Node's list: each must be answered, now or in a later slice.
  const expired = list.expired(ms, ms);
  const slice = (from: number): void => {
    const to = Math.min(expired.length, from + SLICE);
    for (let i = from; i < to; i++) {
      const socket = expired[i]!.socket;
      if (!socket || socket.destroyed) continue;
      const err: NodeJS.ErrnoException = new Error('request timeout');
      err.code = 'ERR_HTTP_REQUEST_TIMEOUT';
      onClientError(err, socket);
    }
    if (to < expired.length) {
      if (paceMs > 0) setTimeout(slice, paceMs, to).unref();
      else setImmediate(slice, to);
    }
  };
  slice(0);
}

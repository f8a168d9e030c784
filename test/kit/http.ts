/** Small HTTP helpers for the runtime tests: a started in-process server, JSON posts, metric lookups. */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createServer, type ServerOptions } from '../../src/runtime/server.js';
import type { ServiceDefinition } from '../../src/sdk/index.js';
import type { Forest } from '../../src/forest/forest.js';
import { randomForest, writeModel } from './model.js';

export interface Started {
  app: FastifyInstance;
  url: string;
  forest: Forest;
  close(): Promise<void>;
}

/** Starts createServer on 127.0.0.1 with a fresh model folder; waits for the models unless `wait: false`. */
export async function start(
  service: ServiceDefinition,
  extra: Partial<ServerOptions> & { wait?: boolean; forest?: Forest } = {},
): Promise<Started> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-runtime-'));
  const forest = extra.forest ?? randomForest(3, 10, 4);
  const model = writeModel(dir, forest);
  const { wait, forest: _f, ...rest } = extra;
  const app = await createServer({ service, models: { regressor: model }, version: 'test', ...rest });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  if (wait !== false) await app.bento.loaded;
  return {
    app,
    url,
    forest,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** POSTs `body` (a string is sent as is) and parses a JSON answer when there is one. */
export async function post(
  url: string,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Answer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
  return answer(res);
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return answer(await fetch(url, { headers }));
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** The value of one sample in Prometheus text, e.g. metric('x_total{a="b"}'); undefined if absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([^{\s]+)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got[pair[1]!] = pair[2]!;
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

/** A request on a connection of its own (agent: false), so the cluster deals requests out over the workers. */
export function alone(url: string, method = 'GET', body?: unknown): Promise<{ status: number; body: any; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(url, { method, agent: false, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // text answer
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export interface RawAnswer {
  /** Every byte the server sent, as text. */
  raw: string;
  /** Status of the last response in `raw` (after any "100 Continue"), 0 if none. */
  status: number;
  headers: Record<string, string>;
  body: any;
  /** How it ended: the server closed the connection, a whole answer came (`untilAnswer`), or given up after `waitMs`. */
  ended: 'closed' | 'answered' | 'gave-up';
}

/**
 * Writes `parts` on a raw TCP connection (each part after `gapMs`), then reads until the server closes the
 * connection or `waitMs` passes: for requests no HTTP client would send (malformed, trickled, unfinished).
 */
export function rawRequest(url: string, parts: string[], opts: { gapMs?: number; waitMs?: number; untilAnswer?: boolean } = {}): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let raw = '';
    let done = false;
    const socket = net.connect(Number(u.port), u.hostname);
    const finish = (ended: RawAnswer['ended']): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseRaw(raw, ended));
    };
    const timer = setTimeout(() => finish('gave-up'), opts.waitMs ?? 5000);
    socket.on('data', (c: Buffer) => {
      raw += c.toString('latin1');
      if (opts.untilAnswer && wholeAnswer(raw)) finish('answered');
    });
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('closed'));
    let i = 0;
    const writeNext = (): void => {
      if (done || i >= parts.length) return;
      socket.write(parts[i++]!);
      if (i < parts.length) setTimeout(writeNext, opts.gapMs ?? 0);
    };
    socket.on('connect', writeNext);
  });
}

/** Whether `raw` holds a final (non-1xx) answer whose body has arrived as its Content-Length says. */
function wholeAnswer(raw: string): boolean {
  const a = parseRaw(raw, 'answered');
  if (a.status < 200) return false;
  const split = raw.lastIndexOf('\r\n\r\n');
  const length = Number(a.headers['content-length']);
  return split >= 0 && Number.isFinite(length) && typeof a.body !== 'undefined' && Buffer.byteLength(typeof a.body === 'string' ? a.body : JSON.stringify(a.body)) >= length;
}

function parseRaw(raw: string, ended: RawAnswer['ended']): RawAnswer {
  const starts = [...raw.matchAll(/HTTP\/1\.1 (\d{3})[^\r]*\r\n/g)];
  const last = starts.at(-1);
  if (!last) return { raw, status: 0, headers: {}, body: undefined, ended };
  const rest = raw.slice(last.index! + last[0].length);
  const split = rest.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of rest.slice(0, split < 0 ? rest.length : split).split('\r\n')) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  const text = split < 0 ? '' : rest.slice(split + 4);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { raw, status: Number(last[1]), headers, body, ended };
}

/**
 * `/metrics` across production workers: whichever worker a scrape lands on asks the cluster primary,
 * the primary collects every live worker's metrics over IPC and sums them with prom-client's
 * AggregatorRegistry, and the worker answers the sum. A worker that does not answer in time is left out.
 * Monitoring windows travel the same way: the primary merges the workers' windows into the last N records
 * of the whole service, and the asking worker computes the drift figures on them (never a sum of gauges).
 */
import cluster, { type Worker } from 'node:cluster';
import client from 'prom-client';
import type { ServiceMetrics } from '../http/metrics.js';
import { mergeByApi, type WindowSnapshot } from '../monitoring/window.js';
import { sendToPrimary, sendToWorker } from './ipc-send.js';
import { logLine } from './log.js';

const GET = 'bento:metrics:get';
const COLLECT = 'bento:metrics:collect';
const JSON_REPLY = 'bento:metrics:json';
const TEXT_REPLY = 'bento:metrics:text';
const TIMEOUT_MS = 2000;

type MetricsJSON = client.MetricObjectWithValues<client.MetricValue<string>>[];

interface Message {
  type?: string;
  id?: number;
  metrics?: MetricsJSON;
  text?: string;
  windows?: WindowSnapshot[];
}

/** What a scrape gets from the primary: the summed metrics and the merged monitoring windows. */
export interface ClusterScrape {
  text: string;
  windows: WindowSnapshot[];
}

// This worker's monitoring windows, handed to the primary with its metrics (set by the server).
let windowSource: (() => WindowSnapshot[]) | undefined;

/** Worker side: the monitoring windows to send the primary with every collection. */
export function shareWindows(source: () => WindowSnapshot[]): void {
  windowSource = source;
}

function ownWindows(): WindowSnapshot[] {
  try {
    return windowSource?.() ?? [];
  } catch {
    return [];
  }
}

/** Worker side: answers the primary's collection requests with this worker's metrics. */
export function answerPrimary(metrics: ServiceMetrics): void {
  process.on('message', (msg: Message) => {
    if (msg?.type !== COLLECT) return;
    void metrics.registry.getMetricsAsJSON().then(
      (json) => sendToPrimary({ type: JSON_REPLY, id: msg.id, metrics: json, windows: ownWindows() }),
      () => sendToPrimary({ type: JSON_REPLY, id: msg.id, metrics: [], windows: ownWindows() }),
    );
  });
}

let nextId = 0;
const waiting = new Map<number, (scrape: ClusterScrape) => void>();
let listening = false;

/** Worker side: the sum over all workers, in the Prometheus text format (from the primary). */
export async function clusterMetricsText(): Promise<string> {
  return (await clusterScrape()).text;
}

/** Worker side: the sum over all workers and their merged monitoring windows (from the primary). */
export function clusterScrape(): Promise<ClusterScrape> {
  if (!listening) {
    listening = true;
    process.on('message', (msg: Message) => {
      if (msg?.type !== TEXT_REPLY || msg.id === undefined) return;
      waiting.get(msg.id)?.({ text: msg.text ?? '', windows: msg.windows ?? [] });
      waiting.delete(msg.id);
    });
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the cluster primary did not answer with metrics'));
    }, TIMEOUT_MS * 2);
    waiting.set(id, (scrape) => {
      clearTimeout(timer);
      resolve(scrape);
    });
    sendToPrimary({ type: GET, id }, (err) => {
      if (!waiting.delete(id)) return;
      clearTimeout(timer);
      reject(new Error(`the cluster primary cannot be asked for metrics: ${err.message}`));
    });
  });
}

/**
 * Primary side: serves workers' GET requests by collecting and summing every worker's metrics, and the
 * primary's own (`own`: the promotions) when given.
 */
export function serveWorkers(workers: () => Worker[], own?: () => Promise<MetricsJSON>): void {
  let collectId = 0;
  const collections = new Map<number, { pending: Set<number>; parts: MetricsJSON[]; windows: WindowSnapshot[]; done(): void }>();

  cluster.on('message', (worker: Worker, msg: Message) => {
    if (msg?.type === JSON_REPLY && msg.id !== undefined) {
      const c = collections.get(msg.id);
      if (!c || !c.pending.delete(worker.id)) return;
      c.parts.push(msg.metrics ?? []);
      c.windows.push(...(msg.windows ?? []));
      if (c.pending.size === 0) c.done();
      return;
    }
    if (msg?.type !== GET) return;
    const id = collectId++;
    const live = workers().filter((w) => w.isConnected());
    const reply = (parts: MetricsJSON[], windows: WindowSnapshot[]): void => {
      const all = own ? own().then((mine) => [...parts, mine], () => parts) : Promise.resolve(parts);
      const text = all.then((ps) => (ps.length ? client.AggregatorRegistry.aggregate(ps).metrics() : ''));
      text
        .then((t) => {
          sendToWorker(worker, { type: TEXT_REPLY, id: msg.id, text: t, windows: mergeByApi(windows) });
        })
        // The primary must outlive a scrape it cannot sum (the asking worker's scrape then times out).
        .catch((err: unknown) => logLine('error', `cannot sum the workers' metrics: ${(err as Error)?.message ?? String(err)}`));
    };
    const c = {
      pending: new Set(live.map((w) => w.id)),
      parts: [] as MetricsJSON[],
      windows: [] as WindowSnapshot[],
      done: () => {
        clearTimeout(timer);
        collections.delete(id);
        reply(c.parts, c.windows);
      },
    };
    const timer = setTimeout(c.done, TIMEOUT_MS);
    collections.set(id, c);
    // A worker that cannot be asked (its channel closed since the filter) is not waited for.
    for (const w of live) sendToWorker(w, { type: COLLECT, id }, () => c.pending.delete(w.id) && c.pending.size === 0 && c.done());
    if (live.length === 0) c.done();
  });
}

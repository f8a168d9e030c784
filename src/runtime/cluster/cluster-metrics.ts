/**
 * `/metrics` across production workers: whichever worker a scrape lands on asks the cluster primary,
 * the primary collects every live worker's metrics over IPC and sums them with prom-client's
 * AggregatorRegistry, and the worker answers the sum. A worker that does not answer in time is left out.
 */
import cluster, { type Worker } from 'node:cluster';
import client from 'prom-client';
import type { ServiceMetrics } from '../http/metrics.js';

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
}

/** Worker side: answers the primary's collection requests with this worker's metrics. */
export function answerPrimary(metrics: ServiceMetrics): void {
  process.on('message', (msg: Message) => {
    if (msg?.type !== COLLECT) return;
    void metrics.registry.getMetricsAsJSON().then(
      (json) => process.send?.({ type: JSON_REPLY, id: msg.id, metrics: json }),
      () => process.send?.({ type: JSON_REPLY, id: msg.id, metrics: [] }),
    );
  });
}

let nextId = 0;
const waiting = new Map<number, (text: string) => void>();
let listening = false;

/** Worker side: the sum over all workers, in the Prometheus text format (from the primary). */
export function clusterMetricsText(): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (msg: Message) => {
      if (msg?.type !== TEXT_REPLY || msg.id === undefined) return;
      waiting.get(msg.id)?.(msg.text ?? '');
      waiting.delete(msg.id);
    });
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the cluster primary did not answer with metrics'));
    }, TIMEOUT_MS * 2);
    waiting.set(id, (text) => {
      clearTimeout(timer);
      resolve(text);
    });
    process.send?.({ type: GET, id });
  });
}

/** Primary side: serves workers' GET requests by collecting and summing every worker's metrics. */
export function serveWorkers(workers: () => Worker[]): void {
  let collectId = 0;
  const collections = new Map<number, { pending: Set<number>; parts: MetricsJSON[]; done(): void }>();

  cluster.on('message', (worker: Worker, msg: Message) => {
    if (msg?.type === JSON_REPLY && msg.id !== undefined) {
      const c = collections.get(msg.id);
      if (!c || !c.pending.delete(worker.id)) return;
      c.parts.push(msg.metrics ?? []);
      if (c.pending.size === 0) c.done();
      return;
    }
    if (msg?.type !== GET) return;
    const id = collectId++;
    const live = workers().filter((w) => w.isConnected());
    const reply = (parts: MetricsJSON[]): void => {
      const text = parts.length ? client.AggregatorRegistry.aggregate(parts).metrics() : Promise.resolve('');
      void text.then((t) => {
        if (worker.isConnected()) worker.send({ type: TEXT_REPLY, id: msg.id, text: t });
      });
    };
    const c = {
      pending: new Set(live.map((w) => w.id)),
      parts: [] as MetricsJSON[],
      done: () => {
        clearTimeout(timer);
        collections.delete(id);
        reply(c.parts);
      },
    };
    const timer = setTimeout(c.done, TIMEOUT_MS);
    collections.set(id, c);
    for (const w of live) w.send({ type: COLLECT, id });
    if (live.length === 0) c.done();
  });
}

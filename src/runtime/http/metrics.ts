/**
 * Prometheus metrics of one server, named as BentoML names them so existing dashboards keep working:
 * `BENTOML_<service>_request_total`, `…_request_duration_seconds`, `…_request_in_progress`,
 * `…_adaptive_batch_size`, `…_inference_duration_seconds`, plus Node's process metrics.
 */
import client from 'prom-client';

/** Label of requests that matched no route: raw paths would make one series per scanner probe. */
export const UNKNOWN_ENDPOINT = 'unknown';

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];
const INFERENCE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface MetricsOptions {
  service: string;
  version: string;
  /** API routes: their counters start at 0 so rate() works from the first scrape. */
  apiRoutes: string[];
  /** Largest max_batch_size, for the batch size buckets. */
  maxBatchSize: number;
}

/** `BENTOML_<service>_` with characters Prometheus does not allow replaced by `_`. */
export function metricPrefix(service: string): string {
  return `BENTOML_${service.replace(/[^a-zA-Z0-9_]/g, '_')}_`;
}

interface Observer {
  observe(v: number): void;
}

/** One registry and the hot-path operations the server needs (label children cached per series). */
export class ServiceMetrics {
  readonly registry = new client.Registry();
  private readonly total: client.Counter<string>;
  private readonly duration: client.Histogram<string>;
  private readonly inProgress: client.Gauge<string>;
  private readonly batchSize: client.Histogram<string>;
  private readonly inference: client.Histogram<string>;
  // Hot path in plain numbers; the counter and the gauge are brought up to date when scraped (collect).
  private readonly finished = new Map<string, Map<number, { labels: Record<string, string>; count: number; duration: Observer }>>();
  private readonly active = new Map<string, number>();
  private readonly batches = new Map<string, Observer>();
  private readonly inferences = new Map<string, Observer>();
  private readonly version: string;

  constructor(opts: MetricsOptions) {
    const p = metricPrefix(opts.service);
    const registers = [this.registry];
    this.version = opts.version;
    const http = ['endpoint', 'http_response_code', 'service_version'];
    const self = this;
    this.total = new client.Counter({
      name: `${p}request_total`,
      help: 'HTTP requests answered',
      labelNames: http,
      registers,
      collect() {
        for (const byCode of self.finished.values()) {
          for (const s of byCode.values()) {
            if (s.count > 0) this.inc(s.labels, s.count);
            s.count = 0;
          }
        }
      },
    });
    this.duration = new client.Histogram({
      name: `${p}request_duration_seconds`,
      help: 'Time to answer an HTTP request, in seconds',
      labelNames: http,
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.inProgress = new client.Gauge({
      name: `${p}request_in_progress`,
      help: 'HTTP requests being answered',
      labelNames: ['endpoint', 'service_version'],
      registers,
      collect() {
        for (const [endpoint, n] of self.active) this.set({ endpoint, service_version: self.version }, n);
      },
    });
    this.batchSize = new client.Histogram({
      name: `${p}adaptive_batch_size`,
      help: 'Rows per model call made by the adaptive batcher',
      labelNames: ['endpoint', 'service_version'],
      buckets: batchBuckets(opts.maxBatchSize),
      registers,
    });
    this.inference = new client.Histogram({
      name: `${p}inference_duration_seconds`,
      help: 'Time of one model call, in seconds',
      labelNames: ['model', 'service_version'],
      buckets: INFERENCE_BUCKETS,
      registers,
    });
    client.collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters: `promtool check metrics` rejects them, and the same numbers are in
    // nodejs_active_handles / _requests / _resources (by type).
    for (const name of GAUGES_NAMED_TOTAL) this.registry.removeSingleMetric(name);
    for (const route of opts.apiRoutes) {
      this.total.inc({ endpoint: route, http_response_code: '200', service_version: this.version }, 0);
      this.duration.zero({ endpoint: route, http_response_code: '200', service_version: this.version });
      this.active.set(route, 0);
    }
  }

  requestStarted(endpoint: string): void {
    const n = this.active.get(endpoint);
    this.active.set(endpoint, (n ?? 0) + 1);
  }

  /** A request is no longer in progress: answered, or its client went away before the answer. */
  requestEnded(endpoint: string): void {
    this.active.set(endpoint, (this.active.get(endpoint) ?? 1) - 1);
  }

  /** A request was answered with `code` after `seconds` (counted; `requestEnded` follows). */
  requestFinished(endpoint: string, code: number, seconds: number): void {
    let byCode = this.finished.get(endpoint);
    if (!byCode) this.finished.set(endpoint, (byCode = new Map()));
    let s = byCode.get(code);
    if (!s) {
      const labels = { endpoint, http_response_code: String(code), service_version: this.version };
      s = { labels, count: 0, duration: this.duration.labels(labels) };
      byCode.set(code, s);
    }
    s.count++;
    s.duration.observe(seconds);
  }

  observeBatch(endpoint: string, rows: number): void {
    let o = this.batches.get(endpoint);
    if (!o) this.batches.set(endpoint, (o = this.batchSize.labels({ endpoint, service_version: this.version })));
    o.observe(rows);
  }

  observeInference(model: string, seconds: number): void {
    let o = this.inferences.get(model);
    if (!o) this.inferences.set(model, (o = this.inference.labels({ model, service_version: this.version })));
    o.observe(seconds);
  }

  /** This process's metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** 1, 2, 4, … up to the largest batch. */
function batchBuckets(max: number): number[] {
  const out: number[] = [];
  for (let b = 1; b < max; b *= 2) out.push(b);
  out.push(Math.max(1, max));
  return out;
}

/**
 * Drift and data-quality monitoring of a server's APIs: each monitored API gets a sliding window (and, if
 * asked, a payload log) fed by one call per answered request; the statistics are computed from the
 * windows only when `/metrics` is scraped — this process's windows, or in a cluster the merged windows
 * of every worker — and cached until the window changes.
 */
import client from 'prom-client';
import type { ModelInfo } from '../../models/model-info.js';
import type { Rows } from '../../sdk/index.js';
import type { MonitoringOptions } from '../../sdk/settings.js';
import { metricPrefix } from '../http/metrics.js';
import { computeDrift, qualityStats, type DriftReference, type DriftResult, type DriftSettings, type QualityStats } from './drift.js';
import { MonitoringExporter } from './exporter.js';
import { driftReference } from './model-reference.js';
import { PayloadLog } from './payload-log.js';
import { RecordWindow, type WindowSnapshot } from './window.js';

/** Hands one answered request's model rows and outputs to the monitor (and its body to the payload log). */
export type Observe = (rows: Rows, outputs: Float32Array, body: unknown, requestId: string) => void;

export interface MonitorLog {
  warn(msg: string): void;
  error(msg: string): void;
}

export interface MonitorOptions {
  service: string;
  version: string;
  /** The server's own registry: the payload log's dropped-lines counter is summed across workers with it. */
  registry: client.Registry;
  log: MonitorLog;
}

interface MonitoredApi {
  window: RecordWindow;
  settings: MonitoringOptions;
  features: string[];
  reference?: DriftReference;
}

interface ApiFigures {
  api: string;
  rows: number;
  drift: DriftResult | undefined;
  quality: Record<string, QualityStats>;
}

export class Monitor {
  private readonly apis = new Map<string, MonitoredApi>();
  private readonly payloadLogs: PayloadLog[] = [];
  private readonly exporter: MonitoringExporter;
  private readonly dropped: client.Counter<string>;
  private readonly cache = new Map<string, { key: string; figures: ApiFigures }>();
  // Drops are counted in plain numbers (a full queue drops at the request rate) and added at scrape time.
  private readonly drops = new Map<string, number>();

  constructor(private readonly opts: MonitorOptions) {
    this.exporter = new MonitoringExporter(opts.service, opts.version);
    const drops = this.drops;
    this.dropped = new client.Counter({
      name: `${metricPrefix(opts.service)}payload_log_dropped_total`,
      help: 'Payload-log lines dropped because its queue was full (or a write failed)',
      labelNames: ['api', 'service_version'],
      registers: [opts.registry],
      collect() {
        for (const [api, n] of drops) {
          if (n > 0) this.inc({ api, service_version: opts.version }, n);
          drops.set(api, 0);
        }
      },
    });
  }

  /**
   * Monitors API `api` of a model taking `width` features: its window when monitoring is enabled, its
   * payload log when one is set (either without the other); undefined when neither is.
   */
  add(api: string, settings: MonitoringOptions, info: ModelInfo, width: number): Observe | undefined {
    const version = this.opts.version;
    let window: RecordWindow | undefined;
    if (settings.enabled) {
      const features = info.features.length === width ? [...info.features] : Array.from({ length: width }, (_, j) => `feature_${j}`);
      window = new RecordWindow(api, settings.window, width);
      const m: MonitoredApi = { window, settings, features };
      const ref = driftReference(info);
      if ('reference' in ref) m.reference = ref.reference;
      else this.opts.log.warn(`api "${api}": no drift figures (${ref.missing}); data quality only`);
      this.apis.set(api, m);
    }
    let payload: PayloadLog | undefined;
    if (settings.payload_log) {
      this.dropped.inc({ api, service_version: version }, 0);
      this.drops.set(api, 0);
      payload = new PayloadLog(api, version, settings.payload_log, {
        dropped: (n) => this.drops.set(api, (this.drops.get(api) ?? 0) + n),
        error: (err) => this.opts.log.error(`api "${api}": payload log write failed: ${err.message}`),
      });
      this.payloadLogs.push(payload);
    }
    if (!window && !payload) return undefined;
    return (rows, outputs, body, requestId) => {
      const time = Date.now();
      window?.observe(rows.data, rows.count, outputs, time);
      payload?.offer(() => ({ time, requestId, request: body, inputs: rows.data, count: rows.count, width: rows.width, outputs }));
    };
  }

  /** This process's windows (what a cluster worker hands the primary). */
  snapshots(): WindowSnapshot[] {
    return [...this.apis.values()].map((m) => m.window.snapshot());
  }

  /** The monitoring series in the Prometheus text format, from `windows` (merged ones) or this process's own. */
  async text(windows: readonly WindowSnapshot[] = this.snapshots()): Promise<string> {
    const figures: ApiFigures[] = [];
    for (const w of windows) {
      const m = this.apis.get(w.api);
      if (m) figures.push(this.figures(w, m));
    }
    this.exporter.fill(figures);
    return this.exporter.text();
  }

  /** Writes what the payload logs hold and closes them. */
  async close(): Promise<void> {
    await Promise.all(this.payloadLogs.map((p) => p.close()));
  }

  private figures(w: WindowSnapshot, m: MonitoredApi): ApiFigures {
    const key = `${w.seen}|${w.times.length}`;
    const cached = this.cache.get(w.api);
    if (cached?.key === key) return cached.figures;
    const n = w.times.length;
    const columns: Record<string, Float64Array> = {};
    m.features.forEach((name, j) => {
      const col = new Float64Array(n);
      for (let i = 0; i < n; i++) col[i] = w.rows[i * w.width + j]!;
      columns[name] = col;
    });
    const settings: DriftSettings = m.settings;
    const drift = m.reference ? computeDrift(m.reference, { features: columns, predictions: w.outputs }, settings) : undefined;
    const quality = drift?.quality ?? Object.fromEntries(Object.entries(columns).map(([name, col]) => [name, qualityStats(col)]));
    const figures = { api: w.api, rows: n, drift, quality };
    this.cache.set(w.api, { key, figures });
    return figures;
  }
}

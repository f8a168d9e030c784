/**
 * A real Prometheus running a written bundle's own configuration and rule files, pointed at a service on
 * this machine: the bundle's prometheus/ folder copied, the `bentoml` target replaced by `target`, the
 * intervals shortened to `interval` (a test cannot wait 10 s per scrape), no Alertmanager.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { PrometheusConfig } from '../../src/deploy/prometheus.js';
import { runPrometheus, type Prometheus } from '../kit/prometheus.js';

export type BundlePrometheus = Prometheus;

export async function startBundlePrometheus(bundleDir: string, target: string, interval = '1s'): Promise<BundlePrometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-bundle-prom-'));
  cpSync(path.join(bundleDir, 'prometheus'), path.join(dir, 'prometheus'), { recursive: true });
  const file = path.join(dir, 'prometheus', 'prometheus.yml');
  const config = YAML.parse(readFileSync(file, 'utf8')) as PrometheusConfig;
  config.global = { scrape_interval: interval, evaluation_interval: interval };
  config.alerting = { alertmanagers: [] };
  config.scrape_configs = config.scrape_configs
    .filter((j) => j.job_name !== 'prometheus')
    .map((j) => ({ ...j, scrape_interval: interval, static_configs: [{ targets: [target] }] }));
  writeFileSync(file, YAML.stringify(config));
  return runPrometheus(dir, file);
}

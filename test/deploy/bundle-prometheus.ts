/**
 * A real Prometheus running a written bundle's own configuration and rule files, pointed at a service on
 * this machine: the bundle's prometheus/ folder copied, the `bentoml` target replaced by `target`, the
 * intervals shortened to `interval` (a test cannot wait 10 s per scrape), no Alertmanager.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { PrometheusConfig } from '../../src/deploy/prometheus.js';
import { freePort } from '../kit/ports.js';
import { until } from '../kit/prometheus.js';

export interface BundlePrometheus {
  url: string;
  /** `/api/v1/<p>`'s data; throws with Prometheus' error. */
  api<T>(p: string): Promise<T>;
  /** An instant query's series (value as a number). */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  log(): string;
  stop(): Promise<void>;
}

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
  const port = await freePort();
  const child = spawn('prometheus', [`--config.file=${file}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(p: string): Promise<T> => {
    const body = (await (await fetch(`${url}/api/v1/${p}`)).json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${p}: ${body.error}`);
    return body.data;
  };
  try {
    await until('the bundle\'s Prometheus to be ready', 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${log}`);
      return (await fetch(`${url}/-/ready`)).status === 200 ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    api,
    log: () => log,
    stop,
    async query(expr) {
      const data = await api<{ resultType: string; result: unknown }>(`query?query=${encodeURIComponent(expr)}`);
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number((data.result as [number, string])[1]) }];
      return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
    },
  };
}

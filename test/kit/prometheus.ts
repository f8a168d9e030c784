/**
 * A real Prometheus server (Debian's `prometheus` binary) scraping one target, for tests of what the
 * monitoring stack sees: a temp config and TSDB, a free port on 127.0.0.1, the HTTP API, and bounded waits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

/** Why a Prometheus test cannot run here, or false when `prometheus` is on PATH. */
export function prometheusMissing(): string | false {
  return spawnSync('prometheus', ['--version']).error ? 'prometheus is not installed (Debian package prometheus)' : false;
}

/** Why `promtool check metrics` cannot run here, or false when `promtool` is on PATH. */
export function promtoolMissing(): string | false {
  return spawnSync('promtool', ['--version']).error ? 'promtool is not installed (Debian package prometheus)' : false;
}

/**
 * Calls `probe` every `everyMs` until it returns something other than undefined; throws after `ms`
 * with `what` and the last error (a wait on another process, never a timed assertion).
 */
export async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>, everyMs = 200): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One series of an instant vector from `/api/v1/query`. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/** One entry of `/api/v1/targets`' activeTargets. */
export interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: string;
  lastError: string;
}

export interface Prometheus {
  url: string;
  /** The instant vector of `expr` now (a scalar answer becomes one sample without labels). */
  query(expr: string): Promise<Sample[]>;
  targets(): Promise<Target[]>;
  /** Prometheus' own log so far (stderr), for failure messages. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its config and TSDB. */
  stop(): Promise<void>;
  /** `/api/v1/<p>`'s data; throws with Prometheus' error. */
  api<T = any>(p: string): Promise<T>;
}

/**
 * Starts Prometheus scraping `target` (host:port) every second as job `job` on `/metrics`, and waits
 * (at most `readyMs`) until it reports ready.
 */
export async function startPrometheus(job: string, target: string, readyMs = 15_000): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  // JSON is YAML: no quoting surprises in the target.
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: job, metrics_path: '/metrics', static_configs: [{ targets: [target] }] }],
    }),
  );
  return runPrometheus(dir, config, readyMs);
}

/**
 * Runs Prometheus on `configFile` with its TSDB in `dir` (removed by `stop()`, with everything else in it),
 * on a free port, and waits (at most `readyMs`) until it reports ready.
 */
export async function runPrometheus(dir: string, configFile: string, readyMs = 15_000): Promise<Prometheus> {
  const port = await freePort();
  const child = spawn(
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (): Promise<void> => {
    if (!gone) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const api = async <T = any>(p: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${p}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${p}: ${body.error ?? res.status}`);
    return body.data;
  };

  try {
    await until('Prometheus to be ready', readyMs, async () => {
      if (gone) throw new Error(`prometheus exited: ${log}`);
      const r = await fetch(`${url}/-/ready`);
      return r.status === 200 ? true : undefined;
    });
  } catch (e) {
    await stop();
    throw e;
  }

  return {
    url,
    log: () => log,
    stop,
    api,
    async query(expr) {
      const data = await api(`query?query=${encodeURIComponent(expr)}`);
      if (data.resultType === 'scalar') return [{ metric: {}, value: Number(data.result[1]) }];
      return (data.result as Array<{ metric: Record<string, string>; value: [number, string] }>).map((s) => ({
        metric: s.metric,
        value: Number(s.value[1]),
      }));
    },
    async targets() {
      return (await api('targets?state=active')).activeTargets as Target[];
    },
  };
}

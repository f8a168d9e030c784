/**
 * Test bentos made by the builder's own steps — the esbuild bundle (bundleService), the on-disk inputs
 * (collectInputs: models, onnxruntime packages, Dockerfile), planBento and applyPlan, so bento.yaml is
 * written by the one checked writer — for running the runtime in real child processes. Only resolving a
 * bentofile is skipped: the service and its model are given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { BENTO_INFO_FILE, type BentoInfo } from '../../src/bento/bento-info.js';
import { bentoInfoCodec } from '../../src/bento/bento-yaml.js';
import { applyPlan } from '../../src/builder/apply.js';
import { bundleService } from '../../src/builder/bundle.js';
import { assetInputs, collectInputs } from '../../src/builder/inputs.js';
import { planBento } from '../../src/builder/plan.js';
import type { ResolvedBuild } from '../../src/builder/resolve.js';
import type { Forest } from '../../src/forest/forest.js';
import type { ServiceDefinition } from '../../src/sdk/index.js';
import { Store } from '../../src/store/store.js';
import { randomForest, writeModel } from './model.js';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VERSION = 'fixture000000001';

export interface FixtureBento {
  dir: string;
  forest: Forest;
  version: string;
}

/**
 * Builds a bento serving `serviceModule` (a path relative to the project, exporting `svc`, which must be
 * `svc` itself) with a random forest as its `regressor` model, into a folder of its own under `root`.
 */
export async function makeBento(
  svc: ServiceDefinition,
  opts: { serviceModule?: string; forest?: Forest; root?: string; version?: string } = {},
): Promise<FixtureBento> {
  const root = opts.root ?? os.tmpdir();
  const stage = mkdtempSync(path.join(root, 'bento-stage-'));
  try {
    const forest = opts.forest ?? randomForest(3, 10, 4);
    const model = writeModel(path.join(stage, 'models'), forest);
    const rel = opts.serviceModule ?? 'test/kit/service.ts';
    const serviceFile = path.join(PROJECT, rel);
    const build: ResolvedBuild = {
      projectDir: PROJECT,
      bentofileLabel: 'test/kit/bento.ts',
      service: { spec: `${rel}:svc`, file: serviceFile, exportName: 'svc', definition: svc },
      name: svc.name,
      description: svc.description ?? '',
      labels: {},
      include: [],
      exclude: [],
      models: [{ alias: 'regressor', tag: `${model.info.name}:${model.info.version}`, info: model.info, dir: model.dir }],
      docker: { base_image: 'node:20-bookworm-slim', env: {}, system_packages: [] },
      envs: [],
    };
    const [bundle, inputs] = await Promise.all([bundleService({ projectDir: PROJECT, serviceFile, exportName: 'svc' }), collectInputs(build)]);
    const plan = planBento({
      build,
      bundle: bundle.code,
      sources: [],
      models: inputs.models,
      env: [...inputs.env, ...(await assetInputs(bundle.assets))],
      ...(inputs.dockerfile ? { dockerfile: inputs.dockerfile } : {}),
      runtime: inputs.runtime,
      version: opts.version ?? VERSION,
      now: new Date().toISOString(),
    });
    const store = new Store<BentoInfo>({ root: path.join(stage, 'bentos'), infoFile: BENTO_INFO_FILE, kind: 'bento', codec: bentoInfoCodec });
    const built = await applyPlan(plan, store);
    // A folder of its own, so removing `dir` leaves nothing behind (rename replaces the empty folder).
    const dir = mkdtempSync(path.join(root, 'bento-fixture-'));
    renameSync(built.dir, dir);
    return { dir, forest, version: opts.version ?? VERSION };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface Served {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  /** Raw stderr so far. */
  stderr: () => string;
  url: string;
  /** Resolves with the first log line (past or future) matching `pred`. */
  waitForLog(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command args` and waits for its "listening on" log line. */
export async function spawnServer(command: string, args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Served> {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ pred: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }> = [];
  let err = '';
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        parsed = { msg: line, raw: true };
      }
      logs.push(parsed);
      for (const w of waiters.splice(0)) (w.pred(parsed) ? w.resolve(parsed) : waiters.push(w));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLog = (pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> => {
    const past = logs.find(pred);
    if (past) return Promise.resolve(past);
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      void exited.then(({ code, signal }) => reject(new Error(`server exited (${signal ?? code}) first; stderr: ${err}`)));
    });
  };
  const listening = await waitForLog((l) => typeof l.url === 'string' && /listening on/.test(String(l.msg)));
  const url = String(listening.url).replace('0.0.0.0', '127.0.0.1');
  return { child, logs, stderr: () => err, url, waitForLog, exited };
}

/** Kills a spawned server if it still runs (SIGKILL: for teardowns) and waits for its exit. */
export function stopServer(s: Served): Promise<unknown> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  return s.exited;
}

/**
 * Stops a spawned server with SIGTERM and waits for its exit: for a `bento serve` CLI, whose server is its
 * child (a SIGKILL to the CLI would leave that child running).
 */
export function stopGently(s: Served): Promise<unknown> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  return s.exited;
}

/** Polls `url` until it answers `status` (startup is not a timed assertion: the test's own timeout bounds it). */
export async function waitForStatus(url: string, status = 200): Promise<void> {
  for (;;) {
    const got = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (got === status) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Peak resident memory of a process in MB (VmHWM from /proc), or undefined where there is no /proc. */
export function peakRssMB(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets API `api`'s settings (max_batch_size, max_latency_ms…) in the bento.yaml of the bento in `dir`, as
 * written (not checked: a test may write a bad value): the server reads them over the code's, as someone
 * deploying a bento tunes it without a rebuild.
 */
export function setApiSettings(dir: string, api: string, settings: Record<string, unknown>): void {
  const file = path.join(dir, BENTO_INFO_FILE);
  const info = YAML.parse(readFileSync(file, 'utf8')) as BentoInfo;
  info.apis = info.apis.map((a) => (a.name === api ? { ...a, ...settings } : a));
  writeFileSync(file, YAML.stringify(info));
}

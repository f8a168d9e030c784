/**
 * A bento folder made the way contracts.md describes `bento build`'s output, for running the runtime in
 * real child processes before (and independently of) the build code: bento.yaml, models/…, the esbuild
 * bundle src/service.cjs, and env/node_modules pointing at this project's onnxruntime-node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import YAML from 'yaml';
import type { ServiceDefinition } from '../../src/sdk/index.js';
import type { Forest } from '../../src/forest/forest.js';
import { randomForest, writeModel } from './model.js';

export const PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VERSION = 'fixture000000001';

export interface FixtureBento {
  dir: string;
  forest: Forest;
  version: string;
}

/**
 * Writes a bento serving `serviceModule` (a path relative to the project, exporting `svc`) with a random
 * forest as its `regressor` model.
 */
export async function makeBento(
  svc: ServiceDefinition,
  opts: { serviceModule?: string; forest?: Forest; root?: string } = {},
): Promise<FixtureBento> {
  const dir = mkdtempSync(path.join(opts.root ?? os.tmpdir(), 'bento-fixture-'));
  const forest = opts.forest ?? randomForest(3, 10, 4);
  const model = writeModel(path.join(dir, 'models'), forest);
  const onnx = readFileSync(model.onnxPath);

  const serviceModule = path.join(PROJECT, opts.serviceModule ?? 'test/kit/service.ts');
  const entry = [
    `const path = require('node:path');`,
    `const { runBento } = require(${JSON.stringify(path.join(PROJECT, 'src/runtime/main.ts'))});`,
    `const mod = require(${JSON.stringify(serviceModule)});`,
    `runBento(mod.svc, { bentoDir: path.resolve(__dirname, '..'), argv: process.argv.slice(2) });`,
  ].join('\n');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: PROJECT, loader: 'js', sourcefile: 'bento-entry.cjs' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node'],
    outfile: path.join(dir, 'src', 'service.cjs'),
    logLevel: 'error',
  });

  const env = path.join(dir, 'env', 'node_modules');
  mkdirSync(path.join(env, '@fastify'), { recursive: true });
  for (const pkg of ['onnxruntime-node', 'onnxruntime-common', '@fastify/swagger-ui']) {
    symlinkSync(path.join(PROJECT, 'node_modules', pkg), path.join(env, pkg));
  }

  const info = {
    name: svc.name,
    version: VERSION,
    creation_time: new Date().toISOString(),
    description: svc.description ?? '',
    labels: {},
    service: 'service.ts:svc',
    models: [{ alias: 'regressor', tag: `${model.info.name}:${model.info.version}`, digest: `sha256:${createHash('sha256').update(onnx).digest('hex')}` }],
    apis: Object.entries(svc.apis).map(([name, a]) => ({
      name,
      route: a.route,
      input: a.input,
      output: a.output,
      batchable: a.batchable,
      max_batch_size: a.max_batch_size,
      max_latency_ms: a.max_latency_ms,
      model: a.model,
    })),
    traffic: svc.traffic,
    envs: [],
    docker: { base_image: 'node:20-bookworm-slim', env: {}, system_packages: [] },
    runtime: { node: process.version, onnxruntime_node: '1.30.0', entry: 'src/service.cjs' },
    files: {},
  };
  writeFileSync(path.join(dir, 'bento.yaml'), YAML.stringify(info));
  return { dir, forest, version: VERSION };
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

/**
 * What the deploy tests generate bundles from: a bento.yaml as the builder writes it (in memory), and a
 * bundle's files written to a temporary folder.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BentoInfo } from '../../src/bento/bento-info.js';
import type { BundlePlan } from '../../src/deploy/bundle.js';

export function bentoInfo(over: Partial<BentoInfo> = {}): BentoInfo {
  const schema = { type: 'array' };
  return {
    name: 'activities_model',
    version: '0123456789abcdef',
    creation_time: '2026-11-30T00:00:00.000Z',
    description: '',
    labels: {},
    service: 'service.ts:svc',
    models: [{ alias: 'regressor', tag: 'activities_regressor:v1', digest: `sha256:${'0'.repeat(64)}` }],
    apis: [{ name: 'predict', route: '/predict', input: schema, output: schema, batchable: true, max_batch_size: 100, max_latency_ms: 200, model: 'regressor' }],
    traffic: { timeout: 60, max_concurrency: 512 },
    envs: [],
    docker: { base_image: 'node:20-bookworm-slim', env: { BENTOML_PORT: '3005' }, system_packages: [] },
    runtime: { node: '20.20.2', onnxruntime_node: '1.30.0', entry: 'src/service.cjs' },
    files: {},
    ...over,
  };
}

/** Writes the plan's files under a new temporary folder (removed by the returned function). */
export function writePlan(plan: BundlePlan): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-bundle-'));
  for (const f of plan.files) {
    const file = path.join(dir, f.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.content);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The content of one planned file (throws naming it when absent). */
export function planned(plan: BundlePlan, file: string): string {
  const f = plan.files.find((x) => x.path === file);
  if (!f) throw new Error(`the bundle has no ${file} (it has ${plan.files.map((x) => x.path).join(', ')})`);
  return f.content;
}

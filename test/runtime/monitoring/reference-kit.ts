/**
 * Models with a drift reference for the monitoring tests: the kit's model plus what training stores for
 * monitoring (a sample per feature, the validation predictions), drawn from the kit's random records; and
 * traffic drawn like that reference, or with one feature shifted.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Test } from 'tap';
import { createServer } from '../../../src/runtime/server.js';
import { api, service, type MonitoringInput, type ServiceDefinition } from '../../../src/sdk/index.js';
import { svc as activities } from '../../../service.js';
import { BENTO_INFO_FILE } from '../../../src/bento/bento-info.js';
import { parseBentoInfo, stringifyBentoInfo } from '../../../src/bento/bento-yaml.js';
import type { Forest } from '../../../src/forest/forest.js';
import type { ModelInfo } from '../../../src/models/model-info.js';
import { parseModelInfo, stringifyModelInfo } from '../../../src/models/model-yaml.js';
import { predictionReference, referenceStats } from '../../../src/pipeline/reference.js';
import { expected, FEATURES, preprocessed, randomForest, randomRecords, writeModel } from '../../kit/model.js';

export const DISTANCE = FEATURES[0];
/** Reference rows: few enough for the KS test (≤ 1000). */
export const REFERENCE_ROWS = 400;

/** `info` with a reference drawn from `randomRecords(rows, 11)` and `forest`'s predictions on it. */
export function withReference(info: ModelInfo, forest: Forest, rows = REFERENCE_ROWS): ModelInfo {
  const records = randomRecords(rows, 11);
  const x = records.flatMap(preprocessed);
  return {
    ...info,
    reference: referenceStats(x, rows, [...FEATURES]),
    prediction_reference: predictionReference(x, rows, [...FEATURES], expected(forest, records)),
  };
}

/**
 * Gives the model of a test bento (the kit's, made without one) a reference, and re-seals the bento: its
 * bento.yaml gets the new model.yaml's digest, as a build of that model would have written.
 */
export function addReferenceToBento(bentoDir: string, forest: Forest): ModelInfo {
  const root = path.join(bentoDir, 'models', 'activities_regressor');
  const rel = path.posix.join('models', 'activities_regressor', readdirSync(root)[0]!, 'model.yaml');
  const file = path.join(bentoDir, rel);
  const info = withReference(parseModelInfo(readFileSync(file, 'utf8'), file), forest);
  const text = stringifyModelInfo(info);
  writeFileSync(file, text);
  const yamlFile = path.join(bentoDir, BENTO_INFO_FILE);
  const bento = parseBentoInfo(readFileSync(yamlFile, 'utf8'), yamlFile);
  bento.files[rel] = createHash('sha256').update(text).digest('hex');
  writeFileSync(yamlFile, stringifyBentoInfo(bento));
  return info;
}

/** `n` records drawn like the reference (another seed), `shift` added to the distance before the service clamps it. */
export function traffic(n: number, seed: number, shift = 0): Array<Record<string, unknown>> {
  return randomRecords(n, seed).map((r) => ({ ...r, [DISTANCE]: (r[DISTANCE] as number) + shift }));
}

/** The activities service with `monitoring` settings over the defaults. */
export function monitored(monitoring: MonitoringInput = {}): ServiceDefinition {
  const predict = activities.apis.predict!;
  return service({
    name: 'activities_model',
    models: { regressor: 'activities_regressor:latest' },
    apis: { predict: api({ ...predict, monitoring: { ...predict.monitoring, ...monitoring } }) },
  });
}

/** createServer on a real port with a fresh model (with a drift reference unless `reference` is false), closed at teardown. */
export async function serve(t: Test, svc: ServiceDefinition, reference = true): Promise<{ app: FastifyInstance; url: string; info: ModelInfo; forest: Forest }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-monitoring-'));
  const forest = randomForest(3, 10, 4);
  const model = writeModel(dir, forest);
  const info = reference ? withReference(model.info, forest) : model.info;
  const app = await createServer({ service: svc, models: { regressor: { info, onnxPath: model.onnxPath } }, version: 'test' });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  await app.bento.loaded;
  t.teardown(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { app, url, info, forest };
}

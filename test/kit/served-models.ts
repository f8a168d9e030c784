/**
 * Models laid out for createServer from ONNX bytes (the forest of kit/model.ts, the classifiers and others
 * of kit/onnx-fixtures.ts): `<dir>/<name>/<version>/model.onnx` and the ModelInfo the server is given, and a
 * started server holding several of them on a real port.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ModelInfo } from '../../src/models/model-info.js';
import { createServer, type ServerOptions } from '../../src/runtime/server.js';
import type { ServiceDefinition } from '../../src/sdk/index.js';
import { trainedInfo } from './model.js';

export interface ServedModel {
  info: ModelInfo;
  onnxPath: string;
}

/** Writes `bytes` as model `name:version` under `dir`, with `features` (the rows API's columns, if any). */
export function layModel(dir: string, name: string, bytes: Uint8Array, features: string[] = [], version = 'v1'): ServedModel {
  const folder = path.join(dir, name, version);
  mkdirSync(folder, { recursive: true });
  const onnxPath = path.join(folder, 'model.onnx');
  writeFileSync(onnxPath, bytes);
  const info: ModelInfo = { name, version, creation_time: new Date(0).toISOString(), model_file: 'model.onnx', files: {}, ...trainedInfo(features), source: 'onnx' };
  return { info, onnxPath };
}

export interface ServedModels {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** createServer on 127.0.0.1 (a port of the system's choosing) with `models` laid out by `lay`; waits for them. */
export async function serveModels(
  service: ServiceDefinition,
  lay: (dir: string) => Record<string, ServedModel>,
  extra: Partial<ServerOptions> = {},
): Promise<ServedModels> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bento-models-'));
  const app = await createServer({ service, models: lay(dir), version: 'test', ...extra });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  await app.bento.loaded;
  return {
    app,
    url,
    close: async () => {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

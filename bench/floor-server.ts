/**
 * The floor for bench/formats.ts: the least an HTTP server can do with a 10 000-row CSV body on this
 * machine — node:http with no framework, the same CSV parser and column preprocessing as the runtime, one
 * session.run over all the rows (no batcher, no validation, no admission, no metrics), JSON.stringify of
 * the outputs. What it reaches against onnxruntime in-process is the ceiling for any server here.
 *
 *   node --import tsx bench/floor-server.ts <model dir>   (prints the port on stdout once listening)
 */
import http from 'node:http';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readModelInfo } from '../src/models/model-yaml.js';
import { recordsToRows } from '../src/pipeline/preprocess.js';
import { parseCsvBody } from '../src/runtime/http/csv-body.js';
import { jsonLimitsFor } from '../src/runtime/http/json-body.js';
import { DEFAULT_MAX_REQUEST_SIZE } from '../src/sdk/settings.js';
import type { ApiContext } from '../src/sdk/index.js';

const dir = process.argv[2]!;
const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
const input = session.inputNames[0]!;
const output = session.outputNames[0]!;
const info = readModelInfo(dir);
const ctx = { models: { regressor: { info, run: () => Promise.reject(new Error('unused')) } } } as unknown as ApiContext;
const pre = recordsToRows('regressor');
const limits = jsonLimitsFor(DEFAULT_MAX_REQUEST_SIZE);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const rows = pre.fromColumns(parseCsvBody(Buffer.concat(chunks), limits), ctx);
    session.run({ [input]: new ort.Tensor('float32', rows.data, [rows.count, rows.width]) }).then(
      (out) => {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(Array.from(out[output]!.data as Float32Array)));
      },
      (err: Error) => {
        res.writeHead(500).end(err.message);
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, msg: 'listening on the floor server' })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

/**
 * Training off the bridge's event loop: `trainInWorker` runs `trainCandidate` in a worker thread (this file
 * is also that thread's entry), so the bridge keeps answering `/jobs/{id}` and the other routes while a
 * retrain job trains (1–3 s of synchronous work on the seed data). The candidate comes back by structured
 * clone (plain data, typed arrays and the ONNX bytes); progress and coded errors come back as messages.
 */
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { BentoError, fromThrown, type ErrorCode, type ErrorDetail } from '../errors.js';
import { trainCandidate, type TrainAndSaveOptions, type TrainedCandidate } from '../pipeline/train-and-save.js';

/** The key of the options in the thread's workerData: what tells this module it is the training thread. */
const MARK = 'bento:train';

type Message =
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; candidate: TrainedCandidate }
  | { type: 'error'; code: ErrorCode; message: string; details: ErrorDetail[] };

/** Trains in a worker thread; resolves with the candidate, or rejects with the training's coded error. */
export function trainInWorker(opts: Omit<TrainAndSaveOptions, 'onProgress'>, onProgress?: (done: number, total: number) => void): Promise<TrainedCandidate> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    // From the TypeScript sources (a checkout) the thread registers tsx's loader first, as bin/bento.mjs does
    // (resolved from here, not from the working folder, which is the user's project).
    const worker = self.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true, workerData: { [MARK]: opts } })
      : new Worker(self, { workerData: { [MARK]: opts } });
    let settled = false;
    worker.on('message', (msg: Message) => {
      if (msg.type === 'progress') onProgress?.(msg.done, msg.total);
      else if (msg.type === 'done') {
        settled = true;
        resolve(msg.candidate);
      } else {
        settled = true;
        reject(new BentoError(msg.code, msg.message, msg.details));
      }
    });
    worker.on('error', (err) => {
      settled = true;
      reject(fromThrown(err));
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new BentoError('INTERNAL', `the training thread exited (code ${code}) without a result`));
    });
  });
}

const given = isMainThread ? undefined : (workerData as Record<string, TrainAndSaveOptions> | null)?.[MARK];
if (given && parentPort) {
  const port = parentPort;
  trainCandidate({ ...given, onProgress: (done, total) => port.postMessage({ type: 'progress', done, total } satisfies Message) }).then(
    (candidate) => port.postMessage({ type: 'done', candidate } satisfies Message),
    (err: unknown) => {
      const e = fromThrown(err);
      port.postMessage({ type: 'error', code: e.code, message: e.message, details: e.details } satisfies Message);
    },
  );
}

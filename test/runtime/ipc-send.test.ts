// IPC between the cluster primary and its workers: a message to a process whose channel has closed is a
// failed send reported to the sender, never an uncaught 'error' that ends the process (the primary
// exited 1 this way once, when a retired worker finished draining between a check and a write).
import t from 'tap';
import cluster, { type Worker } from 'node:cluster';
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendToWorker } from '../../src/runtime/cluster/ipc-send.js';

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'ipc-send-child.ts');

function runChild(mode: string): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const p = fork(child, [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) }));
  });
}

t.test('a worker sending on a closed channel is told so, and lives on', async (t) => {
  const raw = await runChild('raw');
  t.not(raw.code, 0, 'process.send alone on a closed channel ends the process (what the helper is for)');
  const helped = await runChild('helper');
  t.equal(helped.code, 0);
  t.same(helped.lines, [{ failed: 'ERR_IPC_CHANNEL_CLOSED' }, { alive: true }]);
});

t.test('the primary sending to a worker whose channel closed is told so, and lives on', async (t) => {
  cluster.setupPrimary({ exec: child, execArgv: ['--import', 'tsx'], args: ['exit'], silent: true });
  const w: Worker = cluster.fork();
  await new Promise((resolve) => w.once('exit', resolve));
  const err = await new Promise<Error>((resolve) => sendToWorker(w, { type: 'late' }, resolve));
  t.equal((err as NodeJS.ErrnoException).code, 'ERR_IPC_CHANNEL_CLOSED', 'a send on a closed channel is reported');
  // The race: the channel closes after isConnected() said it was open; the write itself fails.
  Object.defineProperty(w, 'isConnected', { value: () => true });
  const raced = await new Promise<Error>((resolve) => sendToWorker(w, { type: 'late' }, resolve));
  t.equal((raced as NodeJS.ErrnoException).code, 'ERR_IPC_CHANNEL_CLOSED', 'a write on a closed channel');
  sendToWorker(w, { type: 'late' }); // no handler: dropped, no 'error' event
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.pass('still running');
});

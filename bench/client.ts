/**
 * Client benchmark (`npm run bench -- client`): the typed client (`bento-ts/client`) against raw undici
 * (a Pool.request + JSON parse, the least a caller can do), on the same bare Fastify route answering a
 * small JSON body, the server pinned to core 0 and this process to core 1. Both keep 32 calls in flight
 * for the same number of calls; rounds alternate. Bar: the client adds ≤ 10 % (time ratio ≤ 1.10).
 */
import path from 'node:path';
import { Pool } from 'undici';
import { BentoClient } from '../src/client/index.js';
import { PROJECT, spawnServer, type Served } from '../test/kit/bento.js';
import { pinned, pinSelf } from './serve-load.js';
import { median } from './stats.js';

const CALLS = 20_000;
const IN_FLIGHT = 32;
const ROUNDS = 7;
const BODY = [{ rooms: 3, area: 80, age: 12 }];

function startEcho(): Promise<Served> {
  const fastify = JSON.stringify(path.join(PROJECT, 'node_modules', 'fastify'));
  const src = `const app = require(${fastify})(); app.post('/predict', async (req) => [req.body.length * 1.5]);
app.listen({ port: 0, host: '127.0.0.1' }).then((url) => console.log(JSON.stringify({ url, msg: 'listening on ' + url })));`;
  const [cmd, args] = pinned(0, process.execPath, ['-e', src]);
  return spawnServer(cmd, args);
}

/** Runs `call` CALLS times with IN_FLIGHT at once; milliseconds taken. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < CALLS) await call();
    }),
  );
  return performance.now() - t0;
}

export async function run(): Promise<void> {
  pinSelf(1);
  const server = await startEcho();
  try {
    const pool = new Pool(server.url, { connections: IN_FLIGHT });
    const raw = async (): Promise<unknown> => {
      const res = await pool.request({ path: '/predict', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(BODY) });
      return res.body.json();
    };
    const client = new BentoClient(server.url, { connections: IN_FLIGHT, routes: { predict: '/predict' } });
    const typed = (): Promise<unknown> => client.call('predict', BODY);
    await timed(raw); // warm both, connections included
    await timed(typed);
    const ratios: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await timed(raw);
      const c = await timed(typed);
      ratios.push(c / r);
      console.log(`round ${round}: raw undici ${(CALLS / r * 1000).toFixed(0)} calls/s, client ${(CALLS / c * 1000).toFixed(0)} calls/s, time ratio ${(c / r).toFixed(3)}`);
    }
    const mid = median(ratios);
    console.log(`client / raw undici time (median of ${ROUNDS} rounds)     ${mid.toFixed(3)}   (bar ≤ 1.10: ${mid <= 1.1 ? 'PASS' : 'FAIL'})`);
    await client.close();
    await pool.close();
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

/**
 * Load generation for bench/serve.ts: closed loop with wrk (C, the cheaper client, so the server is what
 * is measured) when installed, else autocannon; open loop with undici at an even pace; pinned to the second core with taskset when available, while
 * servers are pinned to the first.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Pool } from 'undici';

// autocannon ships no types; the part used here.
interface AutocannonResult {
  requests: { average: number; sent: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export const HAS_TASKSET = !spawnSync('taskset', ['-c', '0', 'true']).error;
export const HAS_WRK = !spawnSync('wrk', ['--version']).error;

/** `command args` prefixed with taskset to one core (when available). */
export function pinned(core: number, command: string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ['taskset', ['-c', String(core), command, ...args]] : [command, args];
}

/**
 * `command args` on every core. A child inherits the affinity of the process spawning it: after pinSelf,
 * a server meant to use the whole machine must say so, or it shares the load generator's one core.
 */
export function unpinned(command: string, args: string[]): [string, string[]] {
  return HAS_TASKSET ? ['taskset', ['-c', `0-${os.cpus().length - 1}`, command, ...args]] : [command, args];
}

/** Pins this process (the load generator) to `core`. */
export function pinSelf(core: number): void {
  if (HAS_TASKSET) spawnSync('taskset', ['-pc', String(core), String(process.pid)]);
}

/** Requests per second of POST `body` at `connections` connections for `seconds` (closed loop). */
export async function maxThroughput(url: string, body: string, connections: number, seconds: number): Promise<{ rps: number; non2xx: number }> {
  if (HAS_WRK) {
    const script = path.join(os.tmpdir(), `bench-post-${process.pid}.lua`);
    writeFileSync(script, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${luaString(body)}\n`);
    const [cmd, args] = pinned(1, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url]);
    const out = await run(cmd, args);
    const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
    const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
    return { rps, non2xx };
  }
  const r = await autocannon({ url, method: 'POST', body, headers: { 'content-type': 'application/json' }, connections, duration: seconds });
  return { rps: r.requests.average, non2xx: r.non2xx };
}

export interface OpenLoopResult {
  sent: number;
  byStatus: Record<number, number>;
  errors: number;
  /** Latencies (ms) of the 200 answers. */
  okLatencies: number[];
}

/**
 * Open loop: `rate` requests/s for `seconds`, sent at an even pace (every 2 ms) whatever the answers
 * (autocannon's rate limit sends each second's requests in a burst), over up to `connections` connections.
 */
export async function atRate(url: string, body: string, rate: number, seconds: number, connections = 512): Promise<OpenLoopResult> {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const byStatus: Record<number, number> = {};
  const okLatencies: number[] = [];
  let sent = 0;
  let errors = 0;
  const inflight = new Set<Promise<void>>();
  const one = (): void => {
    const t0 = performance.now();
    sent++;
    const p = pool
      .request({ path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body })
      .then(async (res) => {
        await res.body.dump();
        byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
        if (res.statusCode === 200) okLatencies.push(performance.now() - t0);
      })
      .catch(() => void errors++)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (sent < due) one();
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  await pool.close();
  return { sent, byStatus, errors, okLatencies };
}

function luaString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('exit', () => resolve(out));
  });
}

/** Resident memory of a process, in MB (Linux /proc). */
export function rssMB(pid: number): number {
  const r = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  const kb = Number(/VmRSS:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * Holds `n` connections that each send the headers of a POST with `Content-Length: 1000` and one byte of
 * body, then nothing; a connection the server closes is opened again at once. The attacker is a process of
 * its own (pinned to the load core), so its bursts of reconnections do not delay the client measuring the
 * server. `stop()` ends it and tells how many connections it opened and how the server answered them.
 */
export function slowClients(url: string, n: number): { stop(): Promise<{ opened: number; answered: Record<string, number> }> } {
  const src = `
const net = require('node:net');
const u = new URL(process.argv[1]);
const n = Number(process.argv[2]);
const answered = {};
let opened = 0, stopping = false;
const sockets = new Set();
const open = () => {
  if (stopping) return;
  opened++;
  const s = net.connect(Number(u.port), u.hostname, () => s.write('POST ' + u.pathname + ' HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 1000\\r\\n\\r\\n['));
  sockets.add(s);
  s.once('data', (c) => { const m = /^HTTP\\/1\\.1 (\\d{3})/.exec(c.toString('latin1')); const k = m ? m[1] : 'other'; answered[k] = (answered[k] || 0) + 1; });
  s.on('error', () => {});
  s.on('close', () => { sockets.delete(s); open(); });
};
for (let i = 0; i < n; i++) open();
process.on('SIGTERM', () => { stopping = true; for (const s of sockets) s.destroy(); process.stdout.write(JSON.stringify({ opened, answered })); process.exit(0); });
`;
  const [cmd, args] = pinned(1, process.execPath, ['-e', src, url, String(n)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out || '{"opened":0,"answered":{}}') as { opened: number; answered: Record<string, number> };
    },
  };
}

/** Peak resident memory of a process, in MB (Linux /proc VmHWM). */
export function peakRssMB(pid: number): number {
  const r = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  return Number(/VmHWM:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN) / 1024;
}

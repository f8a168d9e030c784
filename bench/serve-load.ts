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

/** The p-th percentile (0-100) of `xs`. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Resident memory of a process, in MB (Linux /proc). */
export function rssMB(pid: number): number {
  const r = spawnSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
  const kb = Number(/VmRSS:\s+(\d+)/.exec(r.stdout ?? '')?.[1] ?? NaN);
  return kb / 1024;
}

/**
 * The bridge as a user runs it: `bento bridge` in a child process on a free port, in a project folder with
 * its own BENTO_HOME; and a fetch helper that sends the token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../kit/ports.js';
import { copyActivitiesProject } from '../kit/project.js';
import { CATALOG, PARAMS, PROJECT_DATA } from '../kit/python.js';
import { trainValidationTestSplit } from '../../src/pipeline/split.js';

const BIN = fileURLToPath(new URL('../../bin/bento.mjs', import.meta.url));

export interface RunningBridge {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** Fetches a path with the token (unless `token` says otherwise) and parses a JSON answer. */
  call(p: string, init?: { method?: string; body?: string; type?: string; token?: string | null }): Promise<{ status: number; body: any }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** A copy of the activities project with its conf and data, in a temp folder. */
export async function activitiesProject(t: { teardown(fn: () => unknown): void }): Promise<string> {
  return copyActivitiesProject(t, {
    'conf/base/catalog.yml': await fs.readFile(CATALOG, 'utf8'),
    'conf/base/parameters.yml': await fs.readFile(PARAMS, 'utf8'),
    'data/01_raw/DATA.csv': await fs.readFile(PROJECT_DATA, 'utf8'),
  });
}

/** Starts `bento bridge` in `project` and waits for /livez. */
export async function startBridge(project: string, home: string, opts: { token?: string; args?: string[] } = {}): Promise<RunningBridge> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, BENTO_HOME: home };
  delete env.NODE_OPTIONS;
  delete env.BENTO_BRIDGE_TOKEN;
  if (opts.token) env.BENTO_BRIDGE_TOKEN = opts.token;
  const child = spawn(process.execPath, [BIN, 'bridge', '--port', String(port), ...(opts.args ?? [])], { cwd: project, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  const url = `http://127.0.0.1:${port}`;
  const call: RunningBridge['call'] = async (p, init = {}) => {
    const token = init.token === undefined ? opts.token : init.token;
    const res = await fetch(url + p, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: { ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`bento bridge exited ${child.exitCode}: ${err}`);
    try {
      if ((await fetch(`${url}/livez`)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`bento bridge did not answer /livez: ${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    stderr: () => err,
    call,
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill(signal);
      await exited;
    },
  };
}

/** Polls a job until it has finished (or `until` says stop). */
export async function waitJob(b: RunningBridge, id: string, until: (job: any) => boolean = (j) => !['queued', 'running'].includes(j.state)): Promise<any> {
  for (let i = 0; i < 3000; i++) {
    const { body } = await b.call(`/jobs/${id}`);
    if (until(body)) return body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${id} did not get there`);
}

/**
 * A deliberately bad dataset: `data` (CSV) with the targets of the training rows reversed among themselves,
 * the validation rows left true, so the gate sees a worse model on honest rows.
 */
export function poisoned(data: string): string {
  const [header, ...rows] = data.trimEnd().split('\n');
  const { train } = trainValidationTestSplit(rows.length, 0.2, 0.25, 42);
  const quality = (r: string): string => r.slice(r.lastIndexOf(',') + 1);
  const targets = Array.from(train, (i) => quality(rows[i]!)).reverse();
  Array.from(train).forEach((i, k) => (rows[i] = rows[i]!.slice(0, rows[i]!.lastIndexOf(',') + 1) + targets[k]));
  return [header, ...rows].join('\n') + '\n';
}

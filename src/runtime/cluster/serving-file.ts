/**
 * How a running production server is found and told to promote: its primary keeps a record at
 * `$BENTO_HOME/serving/<pid>.json` (pid, address, the tag it was started with, the bento it serves, the
 * outcome of the last promotion) while it runs. To promote, a caller (the bridge, or `bento promote`)
 * writes `<pid>.promote.json` ({id, bento}) and sends the primary SIGHUP; the primary takes the request
 * (deleting the file) and, when done, writes the outcome with the request's id into its record. A SIGHUP
 * without a request re-resolves the tag the server was started with (e.g. `name:latest`).
 * Every write is atomic (a temporary file, then rename).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bentoHome } from '../../store/home.js';

export interface PromotionOutcome {
  /** The request's id (`sighup-<time>` for a bare SIGHUP). */
  id: string;
  /** `unchanged`: the bento asked for is the one already served. */
  state: 'succeeded' | 'failed' | 'unchanged';
  /** The bento asked for (as resolved, `name:version`, when it could be). */
  bento: string;
  /** The bento served before. */
  from: string;
  reason?: string;
  /** From the request to the new workers taking traffic (or to the failure). */
  duration_ms: number;
  at: string;
}

export interface ServingRecord {
  pid: number;
  url: string;
  port: number;
  host: string;
  /** The service name (the bento's name). */
  service: string;
  /** What the server was started with, re-resolved on a bare SIGHUP. */
  tag: string;
  /** The bento served now, `name:version`. */
  bento: string;
  workers: number;
  started: string;
  /** A promotion is running (to this bento). */
  promoting?: string;
  promotion?: PromotionOutcome;
}

export interface PromotionRequest {
  id: string;
  /** A bento tag or folder. */
  bento: string;
  /** Largest allowed relative change of the golden answers against the old model (default: not compared). */
  tolerance?: number;
}

export const servingDir = (): string => path.join(bentoHome(), 'serving');
const recordFile = (pid: number): string => path.join(servingDir(), `${pid}.json`);
const requestFile = (pid: number): string => path.join(servingDir(), `${pid}.promote.json`);

function writeAtomic(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, file);
}

export function writeServing(record: ServingRecord): void {
  writeAtomic(recordFile(record.pid), record);
}

export function removeServing(pid: number): void {
  rmSync(recordFile(pid), { force: true });
  rmSync(requestFile(pid), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readServing(pid: number): ServingRecord | undefined {
  try {
    return JSON.parse(readFileSync(recordFile(pid), 'utf8')) as ServingRecord;
  } catch {
    return undefined;
  }
}

/**
 * The servers running now. The record of a process that is gone (killed with SIGKILL, or the machine
 * stopped: it could not remove its own) is left out and removed, with any promotion request left for it.
 */
export function listServing(): ServingRecord[] {
  const dir = servingDir();
  if (!existsSync(dir)) return [];
  const out: ServingRecord[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^(\d+)\.json$/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    const r = readServing(pid);
    if (!r) continue;
    if (alive(r.pid)) out.push(r);
    else removeServing(pid);
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** Asks the server `pid` to promote (see the file's comment); the outcome appears in its record. */
export function requestPromotion(pid: number, req: PromotionRequest): void {
  writeAtomic(requestFile(pid), req);
  process.kill(pid, 'SIGHUP');
}

/** The primary's side: the waiting request, if any, removed so it is taken once. */
export function takePromotionRequest(pid: number): PromotionRequest | undefined {
  const file = requestFile(pid);
  try {
    const req = JSON.parse(readFileSync(file, 'utf8')) as PromotionRequest;
    rmSync(file, { force: true });
    return req;
  } catch {
    return undefined;
  }
}

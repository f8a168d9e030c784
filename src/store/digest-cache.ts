/**
 * Digests of big files already checked, so a bento's start does not re-hash onnxruntime's 45 MB every time.
 * An entry is keyed by the file's device, inode, size, mtime and ctime in nanoseconds: any write, chmod,
 * rename over or utimes moves ctime, which nobody but the kernel sets (`touch -d` restores an mtime, not a
 * ctime), so a hit means the very bytes hashed before. Kept per user (`$XDG_CACHE_HOME/bento-ts/digests.json`,
 * else `~/.cache/…`; `BENTO_DIGEST_CACHE` names another file, `off` disables it); a cache that cannot be
 * read or written (a read-only container) just means hashing every time.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type BigIntStats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Files smaller than this are hashed every time: cheaper than a cache entry. */
export const CACHE_MIN_BYTES = 1 << 20;
const MAX_ENTRIES = 512;

function cacheFile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.BENTO_DIGEST_CACHE;
  if (set === 'off') return undefined;
  if (set) return path.resolve(set);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'bento-ts', 'digests.json');
}

/** The cache key of a file as it is now. */
export function statKey(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export class DigestCache {
  private entries: Record<string, string> = {};
  private dirty = false;
  private readonly file: string | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.file = cacheFile(env);
    if (!this.file) return;
    try {
      const data = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        for (const [k, v] of Object.entries(data)) if (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v)) this.entries[k] = v;
      }
    } catch {
      // no cache yet, or unreadable: hash everything
    }
  }

  /** The digest recorded for this file as it is now, if any. */
  get(file: string): { key: string; digest?: string } {
    const key = statKey(statSync(file, { bigint: true }) as BigIntStats);
    return { key, digest: this.entries[key] };
  }

  set(key: string, digest: string): void {
    if (this.entries[key] === digest) return;
    this.entries[key] = digest;
    this.dirty = true;
  }

  /** Writes the cache back (atomically; oldest entries dropped past a bound); failures are ignored. */
  save(): void {
    if (!this.file || !this.dirty) return;
    const keys = Object.keys(this.entries);
    const kept = Object.fromEntries(keys.slice(Math.max(0, keys.length - MAX_ENTRIES)).map((k) => [k, this.entries[k]!]));
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(kept));
      renameSync(tmp, this.file);
      this.dirty = false;
    } catch {
      // read-only home: fine, the next start hashes again
    }
  }
}

/**
 * Checking a stored tree against its recorded digests, synchronously (a bento's entry does it at start-up,
 * before anything else runs), and a fingerprint of what was checked so a process started right after (a
 * server child, a cluster worker) can skip hashing the same unchanged files again.
 *
 * The fingerprint covers each file's inode, size, mtime and ctime in nanoseconds. ctime cannot be set by
 * anyone but the kernel (any write, chmod or utimes moves it), so an unchanged fingerprint means unchanged
 * files; size and mtime alone would not (`touch -d` restores an mtime). It is passed on through the
 * environment only, never stored: whoever sets a process's environment controls it anyway.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync, type BigIntStats } from 'node:fs';
import path from 'node:path';
import { BentoError, type ErrorCode } from '../errors.js';
import { CACHE_MIN_BYTES, DigestCache } from './digest-cache.js';
import { compareBytes, isInsidePath } from './digest.js';

/** Every regular file under `dir`, as sorted relative POSIX paths (symlinks followed), minus `exclude`. */
export function listFilesSync(dir: string, exclude: string[] = [], within?: Scope): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (exclude.includes(r) || (within && !within(r, true))) continue;
      const a = path.join(abs, e.name);
      const st = e.isSymbolicLink() ? statSync(a, { throwIfNoEntry: false }) : undefined;
      if (e.isDirectory() || st?.isDirectory()) walk(a, r);
      else if ((e.isFile() || st?.isFile()) && (!within || within(r, false))) out.push(r);
    }
  };
  walk(dir, '');
  return out.sort(compareBytes);
}

/**
 * Which part of a tree to check: called with each relative path (`dir` true for folders, to prune the walk).
 * Undefined: all of it.
 */
export type Scope = (rel: string, dir: boolean) => boolean;

const CHUNK = 1 << 20;
let buffer: Buffer | undefined;

/** Hex sha256 of a file, read in 1 MiB chunks into one reused buffer. */
export function sha256FileSync(file: string): string {
  buffer ??= Buffer.allocUnsafe(CHUNK);
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    for (let n; (n = readSync(fd, buffer, 0, CHUNK, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * The fingerprint of a tree as it is now: its info file's text and, for every file, its path, inode, size,
 * mtime and ctime. Cheap (one stat per file); changes whenever any file is written, replaced, added or removed.
 */
export function treeFingerprint(dir: string, infoText: string, exclude: string[], within?: Scope): string {
  const hash = createHash('sha256').update(infoText).update('\0');
  for (const rel of listFilesSync(dir, exclude, within)) {
    const st = statSync(path.join(dir, ...rel.split('/')), { bigint: true }) as BigIntStats;
    hash.update(`${rel}\0${st.dev}\0${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\n`);
  }
  return hash.digest('hex');
}

/**
 * Checks that `dir` holds exactly the files of `expected` with those digests (`exclude`: the info file).
 * Throws `code` (BAD_ARCHIVE by default) naming the first file that differs, prefixed with `label`.
 */
export function verifyTreeSync(dir: string, expected: Record<string, string>, exclude: string[], label: string, code: ErrorCode = 'BAD_ARCHIVE', within?: Scope): void {
  const bad = (msg: string): BentoError => new BentoError(code, `${label}: ${msg}`, [{ path: label, message: msg }]);
  const cache = new DigestCache();
  for (const rel of Object.keys(expected).sort(compareBytes)) {
    if (within && !within(rel, false)) continue;
    if (!isInsidePath(rel)) throw bad(`the file list names an unsafe path "${rel}"`);
    const file = path.join(dir, ...rel.split('/'));
    let got: string;
    try {
      const { key, digest } = cache.get(file);
      got = digest ?? sha256FileSync(file);
      if (!digest && Number(key.split(':')[2]) >= CACHE_MIN_BYTES) cache.set(key, got);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw bad(`missing file "${rel}" (the bento was changed after it was built)`);
      throw err;
    }
    if (got !== expected[rel]) throw bad(`"${rel}" was changed after the bento was built (sha256 ${got}, expected ${expected[rel]})`);
  }
  cache.save();
  for (const rel of listFilesSync(dir, exclude, within)) {
    if (!(rel in expected)) throw bad(`unexpected file "${rel}" (added after the bento was built)`);
  }
}

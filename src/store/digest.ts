/**
 * Content digests of files and folders: what a stored version's info file records under `files`, and what
 * an import checks before anything lands in a store.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';

/** Hex sha256 of a file's bytes, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface TreeOptions {
  /** Relative POSIX paths to leave out; a folder leaves out everything under it. */
  exclude?: string[];
}

/** Every regular file under `dir`, as sorted relative POSIX paths (symlinks followed). */
export async function listFiles(dir: string, opts: TreeOptions = {}): Promise<string[]> {
  const exclude = opts.exclude ?? [];
  const skipped = (rel: string): boolean => exclude.some((e) => rel === e || rel.startsWith(e.replace(/\/$/, '') + '/'));
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (skipped(r)) continue;
      const a = path.join(abs, e.name);
      const isDir = e.isSymbolicLink() ? (await fs.stat(a)).isDirectory() : e.isDirectory();
      if (isDir) await walk(a, r);
      else if (e.isFile() || (e.isSymbolicLink() && (await fs.stat(a)).isFile())) out.push(r);
    }
  }
  await walk(dir, '');
  return out.sort(compareBytes);
}

/** Orders strings by UTF-16 code units, which for our paths is byte order: stable across locales. */
export function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * sha256 of every file under `dir`, keyed by relative POSIX path, keys sorted.
 *
 * @example
 *   await digestTree(modelDir, { exclude: ['model.yaml'] }) // { 'model.onnx': '3b1f…' }
 */
export async function digestTree(dir: string, opts: TreeOptions = {}): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of await listFiles(dir, opts)) out[rel] = await sha256File(path.join(dir, ...rel.split('/')));
  return out;
}

/** Whether `rel` is a relative POSIX path that stays inside its folder (no "..", ".", empty or absolute). */
export function isInsidePath(rel: string): boolean {
  return rel !== '' && !path.posix.isAbsolute(rel) && !path.isAbsolute(rel) && rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

/**
 * Checks that `dir` holds exactly the files of `expected` with those digests. Files not listed are an
 * error too, except `exclude` (the info file, which holds the digests and so cannot be listed in them).
 * Throws BAD_ARCHIVE naming the first file that differs.
 */
export async function verifyTree(dir: string, expected: Record<string, string>, opts: TreeOptions): Promise<void> {
  if (!expected || typeof expected !== 'object') throw new BentoError('BAD_ARCHIVE', 'no file digests to verify against');
  for (const [rel, want] of Object.entries(expected).sort(([a], [b]) => compareBytes(a, b))) {
    if (!isInsidePath(rel)) {
      throw new BentoError('BAD_ARCHIVE', `the file list names an unsafe path "${rel}"`);
    }
    let got: string;
    try {
      got = await sha256File(path.join(dir, ...rel.split('/')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('BAD_ARCHIVE', `missing file "${rel}"`);
      throw err;
    }
    if (got !== want) {
      throw new BentoError('BAD_ARCHIVE', `digest mismatch for "${rel}": expected sha256 ${want}, found ${got} (the file was changed)`);
    }
  }
  for (const rel of await listFiles(dir, opts)) {
    if (!(rel in expected)) throw new BentoError('BAD_ARCHIVE', `unexpected file "${rel}" (not in the recorded digests)`);
  }
}

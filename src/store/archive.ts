/**
 * Archives for models and bentos: a deterministic writer (identical trees → identical bytes) and a safe
 * extractor that checks every entry (no absolute paths, no `..`, no links leaving the folder, no
 * devices) and reports the first problem as BAD_ARCHIVE naming the entry.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import type { Archiver, ArchiverOptions } from 'archiver';
import { Parser, type ReadEntry } from 'tar';
import { BentoError } from '../errors.js';
import { archiveLimits, UnpackBudget, type ArchiveLimits } from './archive-limits.js';
import { compareBytes } from './digest.js';
import { trackTemp } from './temp-cleanup.js';
import { FIXED_MTIME, tarChunks, type TarEntry } from './tar-write.js';
import { readZip } from './zip-read.js';

// archiver 7 is CommonJS exporting one function; @types/archiver 8 describes archiver 8's named exports.
// Loaded on first use: it costs ~150 ms, and most commands never write a zip.
const loadArchiver = (): ((format: 'zip', opts?: ArchiverOptions) => Archiver) =>
  createRequire(import.meta.url)('archiver') as (format: 'zip', opts?: ArchiverOptions) => Archiver;

export interface WriteOptions {
  /** Folder path every entry is placed under inside the archive, e.g. `houses_regressor/<version>`. */
  prefix?: string;
}

/**
 * Writes `srcDir` as a gzip'd tar: entries sorted, mtime 2000-01-01, owner 0, modes 0644/0755, gzip
 * header without time or name, so two exports of the same tree are byte-identical. Written to a
 * temporary file next to `outFile`, then renamed.
 *
 * @example
 *   await writeTarGz(modelDir, 'rf.model.tar.gz', { prefix: 'rf/01hx5…' });
 */
export async function writeTarGz(srcDir: string, outFile: string, opts: WriteOptions = {}): Promise<void> {
  const entries = await treeEntries(srcDir, opts.prefix);
  await atomicWrite(outFile, (tmp) =>
    pipeline(Readable.from(tarChunks(entries)), zlib.createGzip({ level: 6 }), createWriteStream(tmp)),
  );
}

/** Writes `srcDir` as a zip with fixed dates (UTC) and sorted entries; deterministic like writeTarGz. */
export async function writeZip(srcDir: string, outFile: string, opts: WriteOptions = {}): Promise<void> {
  const entries = await treeEntries(srcDir, opts.prefix);
  const date = new Date(FIXED_MTIME * 1000);
  await atomicWrite(outFile, async (tmp) => {
    const zip = loadArchiver()('zip', { zlib: { level: 6 } });
    const done = pipeline(zip, createWriteStream(tmp));
    for (const e of entries) {
      if (e.type === 'file') zip.append(createReadStream(e.source!), { name: e.name, date, mode: e.mode });
    }
    await zip.finalize();
    await done;
  });
}

/** Files and folders of a tree as tar entries, sorted, with the prefix's own folders first. */
async function treeEntries(srcDir: string, prefix = ''): Promise<TarEntry[]> {
  const pre = prefix.replace(/^\/+|\/+$/g, '');
  const out: TarEntry[] = [];
  if (pre) {
    const parts = pre.split('/');
    for (let i = 1; i <= parts.length; i++) out.push({ name: parts.slice(0, i).join('/') + '/', type: 'dir', mode: 0o755, size: 0 });
  }
  const join = (rel: string): string => (pre ? `${pre}/${rel}` : rel);
  async function walk(abs: string, rel: string): Promise<void> {
    for (const name of await fs.readdir(abs)) {
      const a = path.join(abs, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = await fs.stat(a); // follows symlinks: archives hold contents, never links
      if (st.isDirectory()) {
        out.push({ name: join(r) + '/', type: 'dir', mode: 0o755, size: 0 });
        await walk(a, r);
      } else if (st.isFile()) {
        out.push({ name: join(r), type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, size: st.size, source: a });
      }
    }
  }
  await walk(srcDir, '');
  return out.sort((a, b) => compareBytes(a.name, b.name));
}

/** Runs `write(tmp)` on a temporary file beside `outFile`, renames on success, removes it on failure. */
async function atomicWrite(outFile: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const dir = path.dirname(path.resolve(outFile));
  await fs.mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(outFile)}.tmp-${randomBytes(6).toString('hex')}`);
  const untrack = trackTemp(tmp);
  try {
    await write(tmp);
    await fs.rename(tmp, outFile);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    untrack();
  }
}

/** One entry as the extractor sees it, whatever the archive format. */
interface Entry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';
  kindName: string;
  linkpath?: string;
  mode: number;
  /** Bytes the entry announces (header or central directory). */
  size: number;
  write(dest: string): Promise<void>;
}

export interface ExtractOptions {
  /** Unpacking limits (default: archiveLimits(), from the environment). */
  limits?: ArchiveLimits;
}

/**
 * Extracts a .tar.gz, .tar or .zip (detected by magic bytes) into `destDir` (created if needed; it
 * should be a fresh temporary folder). Every entry is checked first; a bad one → BAD_ARCHIVE naming
 * it, and everything written so far is removed. Returns the relative paths extracted.
 */
export async function extractArchive(file: string, destDir: string, opts: ExtractOptions = {}): Promise<string[]> {
  const label = path.basename(file);
  const kind = await detectArchive(file);
  if (!kind) throw new BentoError('BAD_ARCHIVE', `${label} is not an archive (expected a .tar.gz, .tar or .zip file)`);
  const budget = new UnpackBudget(opts.limits ?? archiveLimits(), label);
  const dest = path.resolve(destDir);
  const created = await fs.mkdir(dest, { recursive: true });
  const untrack = created ? trackTemp(created) : () => undefined;
  const seen = new Extraction(dest, label, budget);
  try {
    if (kind === 'zip') {
      // A zip is read whole (its directory is at the end): one bigger than everything it may unpack is refused unread.
      const { size } = await fs.stat(file);
      budget.file(size);
      for (const z of await readZip(file, label)) {
        const data = (): Buffer => {
          const out = z.data();
          budget.wrote(z.name, out.length, out.length);
          return out;
        };
        await seen.add({
          name: z.name,
          type: z.type,
          kindName: z.type,
          linkpath: z.type === 'symlink' ? z.data().toString('utf8') : undefined,
          mode: z.mode,
          size: z.type === 'file' ? z.size : 0,
          write: (d) => fs.writeFile(d, data(), { flag: 'wx', mode: z.mode & 0o111 ? 0o755 : 0o644 }),
        });
      }
    } else {
      await extractTar(file, label, seen, budget);
    }
    await seen.checkLinks();
    return seen.paths;
  } catch (err) {
    // Leave nothing half-extracted behind.
    if (created) await fs.rm(created, { recursive: true, force: true });
    else for (const p of seen.topLevel()) await fs.rm(path.join(dest, p), { recursive: true, force: true });
    throw err;
  } finally {
    untrack();
  }
}

/** The archive format of a file, by its magic bytes; undefined when it is none of them. A folder → BAD_ARGUMENT. */
export async function detectArchive(file: string): Promise<'gzip' | 'tar' | 'zip' | undefined> {
  const fh = await fs.open(file, 'r');
  try {
    if ((await fh.stat()).isDirectory()) throw new BentoError('BAD_ARGUMENT', `${file} is a folder, not an archive or model file`);
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    if (bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
    if (bytesRead >= 4 && head.readUInt32LE(0) === 0x06054b50) return 'zip'; // empty zip
    if (bytesRead === 512 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
    return undefined;
  } finally {
    await fh.close();
  }
}

const TAR_TYPES: Record<string, Entry['type']> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'dir',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Streams a tar(.gz) through node-tar's parser, handling one entry at a time, in order. */
async function extractTar(file: string, label: string, seen: Extraction, budget: UnpackBudget): Promise<void> {
  const input = createReadStream(file);
  let chain: Promise<void> = Promise.resolve();
  let failure: unknown;
  // Rejected when the parser fails: an entry cut short by the error would otherwise never end.
  let abort: (err: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => undefined);
  let parseError: unknown;
  const parser = new Parser({
    strict: true,
    onReadEntry: (entry: ReadEntry) => {
      // After a failure the parser may still hand out entries it had buffered: none may be written.
      if (failure || parseError) return void entry.resume();
      // Sequential: the parser waits (backpressure) while an entry is not yet consumed.
      chain = chain.then(async () => {
        if (failure || parseError) return void entry.resume();
        try {
          const e = tarEntry(entry, aborted, budget);
          await seen.add(e);
          if (e.type !== 'file') entry.resume(); // no body to consume; let the parser move on
        } catch (err) {
          failure ??= err;
          entry.resume();
          input.destroy();
        }
      });
    },
  });
  await new Promise<void>((resolve) => {
    const stop = (err: unknown): void => {
      parseError ??= err;
      input.destroy();
      abort(err);
      resolve();
    };
    parser.on('error', stop);
    input.on('error', stop);
    parser.on('end', () => resolve());
    input.on('close', () => failure && resolve()); // destroyed after a bad entry
    input.pipe(parser);
  });
  // Never clean up while an entry is still being written (entries may have been queued while waiting).
  for (let settled: Promise<void> | undefined; settled !== chain; ) await (settled = chain);
  if (failure) throw failure;
  if (parseError) {
    const msg = (parseError as Error).message.replace(/^TAR_\w+: /, '');
    throw new BentoError('BAD_ARCHIVE', `${label} is not a valid tar archive (${msg})`);
  }
}

function tarEntry(e: ReadEntry, aborted: Promise<never>, budget: UnpackBudget): Entry {
  const type = TAR_TYPES[e.type] ?? 'other';
  return {
    name: e.path,
    type,
    kindName: e.type,
    linkpath: e.linkpath,
    mode: e.mode ?? 0o644,
    size: type === 'file' ? (e.size ?? 0) : 0,
    write: async (d) => {
      const out = createWriteStream(d, { flags: 'wx', mode: (e.mode ?? 0) & 0o111 ? 0o755 : 0o644 });
      let written = 0;
      // Counted as it streams: the limit holds whatever the header said.
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          written += chunk.length;
          try {
            budget.wrote(e.path, chunk.length, written);
            done(null, chunk);
          } catch (err) {
            done(err as Error);
          }
        },
      });
      const copied = pipeline(e, count, out);
      copied.catch(() => undefined); // may be left pending or rejected after an abort
      try {
        await Promise.race([copied, aborted]);
      } catch (err) {
        if (!out.closed) await new Promise<void>((r) => out.destroy().once('close', () => r()));
        throw err;
      }
    },
  };
}

/** The entries extracted so far, with the checks that need to know them (links, duplicates). */
class Extraction {
  readonly paths: string[] = [];
  private readonly links = new Map<string, string>();
  /** Regular files (and hard links to them); only these can be hard-link targets. */
  private readonly files = new Set<string>();

  constructor(
    private readonly dest: string,
    private readonly label: string,
    private readonly budget: UnpackBudget,
  ) {}

  private bad(name: string, why: string): BentoError {
    return new BentoError('BAD_ARCHIVE', `${this.label}: entry "${name}" ${why}; nothing was imported`);
  }

  async add(e: Entry): Promise<void> {
    this.budget.entry(e.name, e.size);
    const rel = safeRelative(e.name, (why) => this.bad(e.name, why));
    if (rel === '') {
      if (e.type === 'dir') return; // "./" — the archive root itself
      throw this.bad(e.name, 'has an empty path');
    }
    if (e.type === 'other') throw this.bad(e.name, `is a ${e.kindName} entry (only files, folders and links are allowed)`);
    // Never write through a link made by an earlier entry: it could lead anywhere.
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.links.has(parent) || this.files.has(parent)) throw this.bad(e.name, `goes through the link or file "${parent}"`);
    }
    if (this.files.has(rel) || this.links.has(rel)) throw this.bad(e.name, 'appears twice');
    const abs = path.join(this.dest, ...parts);
    try {
      await this.write(e, rel, abs);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // e.g. a file entry where a folder entry already is: a malformed archive, not a bug.
      if (code && !(err instanceof BentoError)) throw this.bad(e.name, `cannot be extracted (${code})`);
      throw err;
    }
    this.paths.push(rel);
  }

  private async write(e: Entry, rel: string, abs: string): Promise<void> {
    if (e.type === 'dir') return void (await fs.mkdir(abs, { recursive: true, mode: 0o755 }));
    await fs.mkdir(path.dirname(abs), { recursive: true, mode: 0o755 });
    if (e.type === 'file') {
      await e.write(abs);
      this.files.add(rel);
    } else if (e.type === 'symlink') {
      const target = e.linkpath ?? '';
      if (!target || path.posix.isAbsolute(target) || /^[a-zA-Z]:|\\/.test(target)) throw this.bad(e.name, `is a symbolic link to an absolute path "${target}"`);
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target));
      if (resolved === '..' || resolved.startsWith('../')) throw this.bad(e.name, `is a symbolic link pointing outside the archive ("${target}")`);
      await fs.symlink(target, abs);
      this.links.set(rel, target);
    } else {
      // Hard link targets are archive-root relative and must be a regular file extracted before
      // (a hard link to a symlink would move its relative target somewhere else).
      const target = safeRelative(e.linkpath ?? '', (why) => this.bad(e.name, `is a hard link whose target ${why}`));
      if (!this.files.has(target)) throw this.bad(e.name, `is a hard link pointing outside the archive's files ("${e.linkpath}")`);
      await fs.link(path.join(this.dest, ...target.split('/')), abs);
      this.files.add(rel);
    }
  }

  /** Links that looked safe on paper may still escape through other links: check where they really lead. */
  async checkLinks(): Promise<void> {
    const root = await fs.realpath(this.dest);
    for (const [rel, target] of this.links) {
      let real: string;
      try {
        real = await fs.realpath(path.join(this.dest, ...rel.split('/')));
      } catch {
        continue; // dangling, but its lexical target stays inside
      }
      if (real !== root && !real.startsWith(root + path.sep)) {
        throw this.bad(rel, `is a symbolic link pointing outside the archive ("${target}")`);
      }
    }
  }

  topLevel(): string[] {
    return [...new Set(this.paths.map((p) => p.split('/')[0]!))];
  }
}

/** Checks an entry path and returns it normalised (no leading './', no empty or '.' segments). */
function safeRelative(name: string, bad: (why: string) => BentoError): string {
  if (name.includes('\0')) throw bad('has a NUL byte in its path');
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.startsWith('\\')) throw bad('has an absolute path');
  if (name.includes('\\')) throw bad('has a backslash in its path');
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) throw bad('has a ".." segment');
  return segs.join('/');
}

/**
 * One generic versioned store, used for models and bentos: `<root>/<name>/<version>/<infoFile>`.
 * Writes are atomic: everything is written into a `.tmp-*` folder inside the root (same filesystem),
 * then renamed into place; a crash leaves at most a `.tmp-*` folder, which listing ignores and the
 * next write sweeps once it is an hour old. The store knows no file format: each kind of store brings the
 * codec of its info file (models: model.yaml, bentos: bento.yaml).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { formatTag, MAX_TAG_PART, NAME_RE, parseTag, VERSION_RE } from './tag.js';
import { trackTemp } from './temp-cleanup.js';

/** How a store reads and writes the info file of each version: the format belongs to the caller. */
export interface InfoCodec<Info> {
  /** Parses and checks the text of `file`; throws a coded BentoError naming the file when it is not valid. */
  parse(text: string, file: string): Info;
  stringify(info: Info): string;
}

export interface StoreOptions<Info> {
  root: string;
  /** The file in each version folder that holds its info, e.g. `model.yaml`. */
  infoFile: string;
  /** What the store holds, for messages: `model`, `bento`. */
  kind: string;
  codec: InfoCodec<Info>;
}

export interface BaseInfo {
  name: string;
  version: string;
  creation_time: string;
}

export interface Stored<Info> {
  info: Info;
  dir: string;
}

/** A version folder whose info file cannot be read or does not describe it: listed apart, with the reason. */
export interface Damaged {
  name: string;
  version: string;
  dir: string;
  /** Why, e.g. `…/bento.yaml is not valid YAML: …`. */
  reason: string;
  /** The error reading it gave (what `list` throws). */
  error: BentoError;
}

/** What a store holds: the readable versions, newest first, and the damaged ones. */
export interface Scan<Info> {
  stored: Array<Stored<Info>>;
  damaged: Damaged[];
}

/** Prefix of temporary folders inside a store root. */
const TMP_PREFIX = '.tmp-';
const STALE_MS = 60 * 60 * 1000;

export class Store<Info extends BaseInfo> {
  readonly root: string;
  readonly infoFile: string;
  readonly kind: string;
  private readonly codec: InfoCodec<Info>;

  constructor(opts: StoreOptions<Info>) {
    this.root = path.resolve(opts.root);
    this.infoFile = opts.infoFile;
    this.kind = opts.kind;
    this.codec = opts.codec;
  }

  /** Reads `<dir>/<infoFile>` through the codec (a missing file keeps its ENOENT: listing skips such folders). */
  async readInfo(dir: string): Promise<Info> {
    const file = path.join(dir, this.infoFile);
    return this.codec.parse(await fs.readFile(file, 'utf8'), file);
  }

  /**
   * Every stored version (of `name`, if given), newest first: by creation_time, then version. A damaged
   * version is an error here (for callers that must see everything, e.g. "is this model used?"); listings
   * for people use `scan`.
   */
  async list(name?: string): Promise<Array<Stored<Info>>> {
    const { stored, damaged } = await this.scan(name);
    if (damaged[0]) throw damaged[0].error;
    return stored;
  }

  /**
   * Every version folder (of `name`, if given): the readable ones newest first, and apart, the damaged ones
   * (an info file that does not parse, misses fields, or names another tag than its folder) with the reason,
   * so one damaged version never hides the others.
   */
  async scan(name?: string): Promise<Scan<Info>> {
    if (name !== undefined && !NAME_RE.test(name)) throw new BentoError('BAD_TAG', `invalid ${this.kind} name "${name}"`);
    const names = name !== undefined ? [name] : await visibleDirs(this.root);
    const out: Scan<Info> = { stored: [], damaged: [] };
    for (const n of names) {
      for (const v of await visibleDirs(path.join(this.root, n))) {
        const dir = path.join(this.root, n, v);
        try {
          const info = await this.readInfo(dir);
          if (info.name !== n || info.version !== v) {
            throw new BentoError(this.damageCode(), `${path.join(dir, this.infoFile)} says ${formatTag(String(info.name), String(info.version))}, not ${formatTag(n, v)}`);
          }
          out.stored.push({ info, dir });
        } catch (err) {
          // A folder without an info file is not a stored version (e.g. left by hand); skip it.
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          const error = err instanceof BentoError ? err : new BentoError(this.damageCode(), `${path.join(dir, this.infoFile)}: ${(err as Error).message}`);
          out.damaged.push({ name: n, version: v, dir, reason: error.message, error });
        }
      }
    }
    out.stored.sort(newestFirst);
    return out;
  }

  /**
   * Finds one stored version: `name` / `name:latest` → newest; exact version; unique version prefix.
   * Unknown → TAG_NOT_FOUND; a prefix matching several → TAG_AMBIGUOUS listing the candidates.
   */
  async resolve(tag: string): Promise<Stored<Info>> {
    const { name, version } = parseTag(tag);
    const { stored: all, damaged } = await this.scan(name);
    const broken = damaged.find((d) => d.version === version);
    if (broken) throw this.damagedError(broken);
    if (all.length === 0) {
      if (damaged.length > 0) throw this.damagedError(damaged[0]!);
      throw new BentoError('TAG_NOT_FOUND', `no ${this.kind} named "${name}" in ${this.root}`);
    }
    if (version === undefined) return all[0]!;
    const exact = all.find((s) => s.info.version === version);
    if (exact) return exact;
    const matches = all.filter((s) => s.info.version.startsWith(version));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      const candidates = matches.map((s) => formatTag(s.info.name, s.info.version));
      throw new BentoError('TAG_AMBIGUOUS', `"${tag}" matches ${matches.length} ${this.kind}s: ${candidates.join(', ')}`);
    }
    throw new BentoError('TAG_NOT_FOUND', `no ${this.kind} "${tag}" (versions of "${name}": ${all.map((s) => s.info.version).join(', ')})`);
  }

  private damageCode(): 'BAD_MODEL' | 'BAD_ARCHIVE' {
    return this.kind === 'model' ? 'BAD_MODEL' : 'BAD_ARCHIVE';
  }

  private damagedError(d: Damaged): BentoError {
    return new BentoError(d.error.code, `${this.kind} ${formatTag(d.name, d.version)} is damaged: ${d.reason}`, d.error.details);
  }

  /** Whether `<name>/<version>` is stored. */
  async has(name: string, version: string): Promise<boolean> {
    try {
      await fs.access(path.join(this.root, name, version, this.infoFile));
      return true;
    } catch {
      return false;
    }
  }

  /** Removes one stored version (moved aside first, so a crash never leaves half a version in place). */
  async delete(tag: string): Promise<Stored<Info>> {
    const found = await this.resolve(tag);
    const trash = path.join(this.root, `${TMP_PREFIX}del-${randomBytes(6).toString('hex')}`);
    await fs.rename(found.dir, trash);
    await fs.rm(trash, { recursive: true, force: true });
    await fs.rmdir(path.dirname(found.dir)).catch(() => undefined); // the name folder, when now empty
    return found;
  }

  /**
   * Writes a new version atomically. `write` fills a temporary folder and returns the info, which is
   * then written as `infoFile`; the folder is renamed to `<root>/<name>/<version>`. On any error the
   * temporary folder is removed. An existing version → ALREADY_EXISTS.
   */
  async create(name: string, version: string, write: (tmpDir: string) => Promise<Info>): Promise<Stored<Info>> {
    if (!NAME_RE.test(name) || !VERSION_RE.test(version) || version === 'latest' || name.length > MAX_TAG_PART || version.length > MAX_TAG_PART) {
      throw new BentoError('BAD_TAG', `invalid tag "${name.slice(0, 40)}:${version.slice(0, 40)}"`);
    }
    const tag = formatTag(name, version);
    if (await this.has(name, version)) throw new BentoError('ALREADY_EXISTS', `${this.kind} ${tag} already exists`);
    await fs.mkdir(this.root, { recursive: true });
    await this.sweep();
    const tmp = await this.tempDir();
    const untrack = trackTemp(tmp);
    const nameDir = path.join(this.root, name);
    const final = path.join(nameDir, version);
    try {
      const info = await write(tmp);
      if (info.name !== name || info.version !== version) {
        throw new BentoError('INTERNAL', `store: write() returned ${info.name}:${info.version} for ${tag}`);
      }
      await fs.writeFile(path.join(tmp, this.infoFile), this.codec.stringify(info));
      await fs.mkdir(nameDir, { recursive: true });
      try {
        await fs.rename(tmp, final);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new BentoError('ALREADY_EXISTS', `${this.kind} ${tag} already exists`);
        throw err;
      }
      return { info, dir: final };
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      await fs.rmdir(nameDir).catch(() => undefined);
      throw err;
    } finally {
      untrack();
    }
  }

  /**
   * Like create, but a version already stored (or stored meanwhile by a concurrent write) is kept as it
   * is and returned with `created: false`: for imports, where the same version means the same content.
   */
  async createOrKeep(name: string, version: string, write: (tmpDir: string) => Promise<Info>): Promise<Stored<Info> & { created: boolean }> {
    const kept = async (): Promise<Stored<Info> & { created: boolean }> => {
      const dir = path.join(this.root, name, version);
      return { info: await this.readInfo(dir), dir, created: false };
    };
    if (await this.has(name, version)) return kept();
    try {
      return { ...(await this.create(name, version, write)), created: true };
    } catch (err) {
      if (err instanceof BentoError && err.code === 'ALREADY_EXISTS') return kept();
      throw err;
    }
  }

  /** A new empty `.tmp-*` folder inside the root (same filesystem as the store, so rename is atomic). */
  async tempDir(): Promise<string> {
    await fs.mkdir(this.root, { recursive: true });
    return fs.mkdtemp(path.join(this.root, TMP_PREFIX));
  }

  /** Removes `.tmp-*` folders older than an hour: what a crashed write left behind. */
  async sweep(now = Date.now()): Promise<void> {
    let entries: string[];
    try {
      entries = await fs.readdir(this.root);
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.startsWith(TMP_PREFIX)) continue;
      const p = path.join(this.root, e);
      const st = await fs.stat(p).catch(() => undefined);
      if (st && now - st.mtimeMs > STALE_MS) await fs.rm(p, { recursive: true, force: true });
    }
  }
}

function newestFirst<I extends BaseInfo>(a: Stored<I>, b: Stored<I>): number {
  const ta = Date.parse(a.info.creation_time) || 0;
  const tb = Date.parse(b.info.creation_time) || 0;
  if (ta !== tb) return tb - ta;
  return a.info.version < b.info.version ? 1 : a.info.version > b.info.version ? -1 : 0;
}

/** Sub-folders that are not hidden or temporary; none when the folder does not exist. */
export async function visibleDirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * A minimal deterministic ustar writer: the same tree always gives the same bytes (fixed mtime, owner 0,
 * empty user/group names, normalised modes, entries in the caller's order). Long paths use the ustar
 * prefix field, else a pax `path` record.
 */
import { createReadStream } from 'node:fs';
import { BentoError } from '../errors.js';

export interface TarEntry {
  /** POSIX path inside the archive; folders end with '/'. */
  name: string;
  type: 'file' | 'dir';
  /** 0o644 or 0o755. */
  mode: number;
  /** File size in bytes (0 for folders). */
  size: number;
  /** Absolute path of the file's content (files only). */
  source?: string;
}

/** Every entry's mtime: 2000-01-01T00:00:00Z, in seconds. */
export const FIXED_MTIME = Date.UTC(2000, 0, 1) / 1000;
const BLOCK = 512;

/** The archive as a stream of chunks: headers, file contents, padding and the two closing zero blocks. */
export async function* tarChunks(entries: TarEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const split = splitName(e.name);
    if (!split) yield* paxPath(e.name);
    yield header({ ...e, name: split ? split.name : truncate(e.name, 100), prefix: split?.prefix ?? '' });
    if (e.type === 'file' && e.size > 0) {
      let n = 0;
      for await (const chunk of createReadStream(e.source!)) {
        n += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      // A file that changed size while being archived would corrupt every later entry.
      if (n !== e.size) throw new BentoError('BAD_DATA', `${e.source} changed while it was archived (${e.size} → ${n} bytes); try again`);
      if (n % BLOCK) yield Buffer.alloc(BLOCK - (n % BLOCK));
    }
  }
  yield Buffer.alloc(BLOCK * 2);
}

function header(e: TarEntry & { prefix: string; typeflag?: string }): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(e.name, 0, 100, 'utf8');
  octal(b, 100, 8, e.mode);
  octal(b, 108, 8, 0);
  octal(b, 116, 8, 0);
  octal(b, 124, 12, e.type === 'file' ? e.size : 0);
  octal(b, 136, 12, FIXED_MTIME);
  b.write(e.typeflag ?? (e.type === 'dir' ? '5' : '0'), 156, 1, 'latin1');
  b.write('ustar\u000000', 257, 8, 'latin1');
  b.write(e.prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i]!;
  b.write(sum.toString(8).padStart(6, '0') + '\u0000 ', 148, 8, 'latin1');
  return b;
}

function octal(b: Buffer, off: number, len: number, n: number): void {
  b.write(n.toString(8).padStart(len - 1, '0') + '\u0000', off, len, 'latin1');
}

/** Splits a long path into ustar prefix (≤155 bytes) + name (≤100 bytes) at a '/', if possible. */
function splitName(p: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(p) <= 100) return { prefix: '', name: p };
  const body = p.endsWith('/') ? p.slice(0, -1) : p;
  for (let i = body.indexOf('/'); i > 0; i = body.indexOf('/', i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) return { prefix, name };
  }
  return undefined;
}

function truncate(s: string, bytes: number): string {
  let out = s;
  while (Buffer.byteLength(out) > bytes) out = out.slice(0, -1);
  return out;
}

/** A pax extended header carrying the full path of the next entry. */
function* paxPath(p: string): Generator<Buffer> {
  const body = ` path=${p}\n`;
  let len = Buffer.byteLength(body);
  // The record length counts its own digits.
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  const record = Buffer.from(`${len}${body}`, 'utf8');
  yield header({ name: 'PaxHeader', type: 'file', mode: 0o644, size: record.length, prefix: '', typeflag: 'x' });
  yield record;
  if (record.length % BLOCK) yield Buffer.alloc(BLOCK - (record.length % BLOCK));
}

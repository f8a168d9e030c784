/**
 * A small zip reader (central directory + local headers, stored or deflated entries) so archives can be
 * checked entry by entry before anything is written. No zip64, no encryption: both are refused.
 */
import { promises as fs } from 'node:fs';
import zlib from 'node:zlib';
import { BentoError } from '../errors.js';

export interface ZipEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Unix permission bits when the archive records them, else 0o644 / 0o755. */
  mode: number;
  /** Bytes unpacked, as the central directory says (data() holds it to that). */
  size: number;
  /** Decompressed, length- and CRC-checked content (the link target for symlinks). */
  data(): Buffer;
}

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;

/** Reads the entries of a zip file; structural problems → BAD_ARCHIVE naming the file and entry. */
export async function readZip(file: string, label = file): Promise<ZipEntry[]> {
  const buf = await fs.readFile(file);
  const bad = (msg: string): BentoError => new BentoError('BAD_ARCHIVE', `${label}: ${msg}`);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad('not a zip archive (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  let p = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || p === 0xffffffff) throw bad('zip64 archives are not supported');
  if (p + cdSize > eocd) throw bad('the central directory lies outside the file');

  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) throw bad(`corrupt central directory at entry ${n}`);
    const madeBy = buf.readUInt16LE(p + 4);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;

    if (flags & 1) throw bad(`entry "${name}" is encrypted`);
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff) throw bad('zip64 archives are not supported');
    if (method !== 0 && method !== 8) throw bad(`entry "${name}" uses unsupported compression method ${method}`);
    const unixMode = madeBy >> 8 === 3 ? external >>> 16 : 0;
    const fmt = unixMode & 0o170000;
    const type: ZipEntry['type'] =
      fmt === 0o120000 ? 'symlink' : fmt === 0o040000 || name.endsWith('/') ? 'dir' : fmt === 0 || fmt === 0o100000 ? 'file' : 'other';
    const mode = unixMode & 0o777 || (type === 'dir' ? 0o755 : 0o644);

    entries.push({
      name,
      type,
      mode,
      size: usize,
      data: () => {
        if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOC_SIG) throw bad(`entry "${name}": bad local header`);
        const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
        if (start + csize > buf.length) throw bad(`entry "${name}" is truncated`);
        const raw = buf.subarray(start, start + csize);
        let out: Buffer;
        try {
          // maxOutputLength stops a lying size field from inflating a bomb.
          out = method === 0 ? Buffer.from(raw) : zlib.inflateRawSync(raw, { maxOutputLength: Math.max(usize, 1) });
        } catch (err) {
          throw bad(`entry "${name}" cannot be decompressed (${(err as Error).message})`);
        }
        if (out.length !== usize) throw bad(`entry "${name}" has ${out.length} bytes, the directory says ${usize}`);
        if (zlib.crc32(out) >>> 0 !== crc) throw bad(`entry "${name}" fails its CRC check (corrupt data)`);
        return out;
      },
    });
  }
  return entries;
}

/**
 * `bento export`: a stored bento → a portable `.bento` archive (gzip'd tar, or zip). The archive holds
 * the bento folder's contents at its top (bento.yaml first level), so `tar xzf x.bento -C dir` gives a
 * servable folder. Two exports of one bento are byte-identical (the store's deterministic writer).
 */
import path from 'node:path';
import { BentoError } from '../errors.js';
import { writeTarGz, writeZip } from '../store/archive.js';
import { getBento } from './bento-store.js';
import { verifyBentoSync } from './bento-yaml.js';

export type ArchiveFormat = 'tar' | 'zip';

export interface ExportOptions {
  /** Default: zip when the file name ends in .zip, else tar (gzip'd). */
  format?: ArchiveFormat;
}

/**
 * Writes the archive and returns its absolute path (default `./<name>-<version>.bento`, or
 * `./<name>-<version>.bento.zip` for zip).
 *
 * @example
 *   await exportBento('houses_model:latest') // '/work/app/houses_model-3f9c….bento'
 */
export async function exportBento(tag: string, file?: string, opts: ExportOptions = {}): Promise<string> {
  if (opts.format !== undefined && opts.format !== 'tar' && opts.format !== 'zip') {
    throw new BentoError('BAD_ARGUMENT', `unknown archive format "${String(opts.format)}" (use tar or zip)`);
  }
  const { dir } = await getBento(tag);
  // Never pass on a bento that was changed after it was built: the archive would carry the change.
  const info = verifyBentoSync(dir);
  const format: ArchiveFormat = opts.format ?? (file?.toLowerCase().endsWith('.zip') ? 'zip' : 'tar');
  const out = path.resolve(file ?? `${info.name}-${info.version}.bento${format === 'zip' ? '.zip' : ''}`);
  if (format === 'zip') await writeZip(dir, out);
  else await writeTarGz(dir, out);
  return out;
}

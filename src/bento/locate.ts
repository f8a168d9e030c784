/**
 * The one answer to "is this a bento folder or a tag?", for every command that takes either
 * (containerize, serve).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';
import type { Stored } from '../store/store.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';
import { getBento } from './bento-store.js';
import { loadBentoInfo, verifyBentoSync } from './bento-yaml.js';

/** Whether `ref` is written as a path (`.`, `..`, or with a separator) rather than a tag. */
function looksLikePath(ref: string): boolean {
  return ref === '.' || ref === '..' || ref.includes('/') || ref.includes(path.sep);
}

export interface LocateOptions {
  /** Check every file against its digest first (default true): a changed bento is BENTO_CHANGED naming the file. */
  verify?: boolean;
}

/**
 * A bento by folder or by tag: a folder holding bento.yaml is that bento (read with the checked reader);
 * a reference written as a path that holds none is FILE_NOT_FOUND; anything else is a tag resolved in
 * the bento store (`name`, `name:latest`, `name:version`, a unique version prefix).
 *
 * @example
 *   const { dir, info } = await locateBento('houses_model:latest');
 *   const entry = path.join(dir, info.runtime.entry);
 */
export async function locateBento(ref: string, opts: LocateOptions = {}): Promise<Stored<BentoInfo>> {
  const dir = path.resolve(ref);
  const verify = opts.verify !== false;
  if (existsSync(path.join(dir, BENTO_INFO_FILE))) return { info: verify ? verifyBentoSync(dir) : loadBentoInfo(dir), dir };
  if (looksLikePath(ref)) {
    throw new BentoError('FILE_NOT_FOUND', existsSync(dir) ? `${ref} is not a bento: it has no ${BENTO_INFO_FILE}` : `no such bento folder: ${ref}`);
  }
  const found = await getBento(ref);
  return verify ? { info: verifyBentoSync(found.dir), dir: found.dir } : found;
}

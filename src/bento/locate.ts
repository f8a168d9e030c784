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
import { loadBentoInfo } from './bento-yaml.js';

/** Whether `ref` is written as a path (`.`, `..`, or with a separator) rather than a tag. */
function looksLikePath(ref: string): boolean {
  return ref === '.' || ref === '..' || ref.includes('/') || ref.includes(path.sep);
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
export async function locateBento(ref: string): Promise<Stored<BentoInfo>> {
  const dir = path.resolve(ref);
  if (existsSync(path.join(dir, BENTO_INFO_FILE))) return { info: loadBentoInfo(dir), dir };
  if (looksLikePath(ref)) {
    throw new BentoError('FILE_NOT_FOUND', existsSync(dir) ? `${ref} is not a bento: it has no ${BENTO_INFO_FILE}` : `no such bento folder: ${ref}`);
  }
  return getBento(ref);
}

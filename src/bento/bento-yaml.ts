/**
 * Reading a bento folder: its bento.yaml, checked for the fields everything else relies on, and
 * optionally every file's digest. Used by import, the CLI and the runtime (which gets it in its bundle).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { verifyTree } from '../store/digest.js';
import { NAME_RE, VERSION_RE } from '../store/tag.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks parsed bento.yaml data; `label` names its origin in errors. Throws BAD_ARCHIVE naming the field.
 * Name and version are checked strictly: they become folder names in the store.
 */
export function checkBentoInfo(data: unknown, label: string): BentoInfo {
  const bad = (field: string, why: string): BentoError => new BentoError('BAD_ARCHIVE', `${label}: ${field} ${why}`, [{ path: `/${field}`, message: why }]);
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw bad('', 'is not a mapping');
  const d = data as Record<string, unknown>;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name)) throw bad('name', 'is missing or not a valid bento name');
  if (typeof d.version !== 'string' || !VERSION_RE.test(d.version) || d.version === 'latest') throw bad('version', 'is missing or not a valid version');
  if (typeof d.creation_time !== 'string') throw bad('creation_time', 'is missing');
  if (!d.files || typeof d.files !== 'object' || Array.isArray(d.files)) throw bad('files', 'is missing');
  for (const [rel, digest] of Object.entries(d.files as Record<string, unknown>)) {
    if (typeof digest !== 'string' || !HEX64.test(digest)) throw bad(`files/${rel}`, 'is not a sha256 digest');
  }
  if (!Array.isArray(d.models)) throw bad('models', 'is missing');
  for (const [i, m] of (d.models as unknown[]).entries()) {
    const ref = m as Record<string, unknown> | null;
    if (!ref || typeof ref.alias !== 'string' || typeof ref.tag !== 'string' || !/^[^:]+:[^:]+$/.test(ref.tag) || typeof ref.digest !== 'string') {
      throw bad(`models/${i}`, 'needs alias, tag (name:version) and digest');
    }
    const [name = '', version = ''] = ref.tag.split(':');
    if (!NAME_RE.test(name) || !VERSION_RE.test(version)) throw bad(`models/${i}/tag`, 'is not a valid model tag');
  }
  if (!Array.isArray(d.apis)) throw bad('apis', 'is missing');
  if (!d.runtime || typeof d.runtime !== 'object') throw bad('runtime', 'is missing');
  return d as unknown as BentoInfo;
}

/**
 * Reads `<dir>/bento.yaml` (synchronously: the runtime calls it at start-up).
 *
 * @example
 *   const info = loadBentoInfo(path.resolve(__dirname, '..'));
 */
export function loadBentoInfo(dir: string): BentoInfo {
  const file = path.join(dir, BENTO_INFO_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `${dir} is not a bento: it has no ${BENTO_INFO_FILE}`);
    throw err;
  }
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (err) {
    throw new BentoError('BAD_ARCHIVE', `${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return checkBentoInfo(data, file);
}

/** Reads bento.yaml and checks every file against its digest (and that no other file is there). */
export async function verifyBento(dir: string): Promise<BentoInfo> {
  const info = loadBentoInfo(dir);
  await verifyTree(dir, info.files, { exclude: [BENTO_INFO_FILE] });
  return info;
}

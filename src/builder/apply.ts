/**
 * Applies a build plan: the only place a build writes. Everything goes through `Store.create`, which
 * fills a temporary folder and renames it into place, so an interrupted build leaves no half bento.
 * A plan whose version is already stored with the same content writes nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError, isBentoError } from '../errors.js';
import type { Store } from '../store/store.js';
import { formatTag } from '../store/tag.js';
import type { BentoInfo } from '../bento/bento-info.js';
import { bentoStore } from '../bento/bento-store.js';
import { mapLimit } from './pool.js';
import { sameBentoContent } from '../bento/content-version.js';
import type { BuildPlan, PlannedFile } from './plan.js';

export interface ApplyResult {
  info: BentoInfo;
  dir: string;
  /** False when the same bento was already stored (nothing written). */
  created: boolean;
}


const LINK_FALLBACK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EACCES']);

async function writeFile(root: string, f: PlannedFile): Promise<void> {
  const dest = path.join(root, ...f.path.split('/'));
  await fs.mkdir(path.dirname(dest), { recursive: true });
  if (f.source.kind === 'bytes') return fs.writeFile(dest, f.source.data);
  if (f.source.link) {
    try {
      // Package files are never edited in place (npm replaces them), so sharing their inode is safe and fast.
      return await fs.link(f.source.from, dest);
    } catch (err) {
      if (!LINK_FALLBACK.has((err as NodeJS.ErrnoException).code ?? '')) throw err;
    }
  }
  await fs.copyFile(f.source.from, dest);
}

async function existing(store: Store<BentoInfo>, plan: BuildPlan): Promise<ApplyResult> {
  const { info } = plan;
  const dir = path.join(store.root, info.name, info.version);
  const stored = await store.readInfo(dir);
  if (!sameBentoContent({ ...stored, creation_time: '' }, { ...info, creation_time: '' })) {
    throw new BentoError('ALREADY_EXISTS', `bento ${formatTag(info.name, info.version)} already exists with other content (choose another --version)`);
  }
  return { info: stored, dir, created: false };
}

/**
 * Writes the planned bento into the store (default: the bento store under BENTO_HOME).
 *
 * @example
 *   const { info, created } = await applyPlan(planBento(input));
 */
export async function applyPlan(plan: BuildPlan, store: Store<BentoInfo> = bentoStore()): Promise<ApplyResult> {
  const { info } = plan;
  if (await store.has(info.name, info.version)) return existing(store, plan);
  try {
    // The store writes bento.yaml through the bento store's codec: the one checked writer.
    const made = await store.create(info.name, info.version, async (tmp) => {
      await mapLimit(plan.files, 8, (f) => writeFile(tmp, f));
      return info;
    });
    return { ...made, created: true };
  } catch (err) {
    // Another build of the same content finished first: that is the same bento.
    if (isBentoError(err) && err.code === 'ALREADY_EXISTS') return existing(store, plan);
    throw err;
  }
}

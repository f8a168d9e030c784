/**
 * The bento store: `$BENTO_HOME/bentos/<name>/<version>/` with `bento.yaml`, on the generic Store.
 * List, get and delete are the Store's; this module adds the bento-specific views.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { bentosRoot } from '../store/home.js';
import { Store, type Stored } from '../store/store.js';
import { formatTag } from '../store/tag.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';
import { bentoInfoCodec } from './bento-yaml.js';

/** The bento store under the current BENTO_HOME (read on every call); bento.yaml is read and written checked. */
export function bentoStore(): Store<BentoInfo> {
  return new Store<BentoInfo>({ root: bentosRoot(), infoFile: BENTO_INFO_FILE, kind: 'bento', codec: bentoInfoCodec });
}

/** One line of `bento list`. */
export interface BentoSummary {
  tag: string;
  name: string;
  version: string;
  creation_time: string;
  description: string;
  labels: Record<string, string>;
  models: string[];
  /** Bytes of the files listed in bento.yaml. */
  size: number;
  path: string;
  /** Set when the bento's bento.yaml cannot be read: why (the other fields are then empty). */
  damaged?: string;
}

async function sizeOf(dir: string, files: Record<string, string>): Promise<number> {
  let total = 0;
  for (const rel of Object.keys(files)) total += (await fs.stat(path.join(dir, ...rel.split('/'))).catch(() => ({ size: 0 }))).size;
  return total;
}

/**
 * Summaries of the stored bentos (of `name`, if given), newest first, then the damaged ones (with `damaged`
 * saying why): one bad bento.yaml never hides the others.
 */
export async function listBentos(name?: string): Promise<BentoSummary[]> {
  const { stored: all, damaged } = await bentoStore().scan(name);
  const broken: BentoSummary[] = damaged.map((d) => ({
    tag: formatTag(d.name, d.version),
    name: d.name,
    version: d.version,
    creation_time: '',
    description: '',
    labels: {},
    models: [],
    size: 0,
    path: d.dir,
    damaged: d.reason,
  }));
  const ok = await Promise.all(
    all.map(async ({ info, dir }: Stored<BentoInfo>) => ({
      tag: formatTag(info.name, info.version),
      name: info.name,
      version: info.version,
      creation_time: info.creation_time,
      description: info.description.split('\n').find((l) => l.trim())?.replace(/^#+\s*/, '') ?? '',
      labels: info.labels,
      models: info.models.map((m) => m.tag),
      size: await sizeOf(dir, info.files),
      path: dir,
    })),
  );
  return [...ok, ...broken];
}

/** The stored bento a tag names (`name`, `name:latest`, `name:version`, a unique version prefix). */
export async function getBento(tag: string): Promise<Stored<BentoInfo>> {
  return bentoStore().resolve(tag);
}

/** Deletes one stored bento; returns what was deleted. */
export async function deleteBento(tag: string): Promise<Stored<BentoInfo>> {
  return bentoStore().delete(tag);
}

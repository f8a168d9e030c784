/**
 * Which bentos use which models. The model store knows nothing of bentos, so the rule "a model a bento
 * uses cannot be deleted" lives here, on top of both stores.
 */
import { BentoError } from '../errors.js';
import type { ModelInfo } from '../models/model-info.js';
import { modelStore } from '../models/model-store.js';
import { formatTag } from '../store/tag.js';
import { bentoStore } from './bento-store.js';

/** Tags of the stored bentos whose bento.yaml lists the model `name:version` (read with the checked reader). */
export async function bentosUsingModel(info: Pick<ModelInfo, 'name' | 'version'>): Promise<string[]> {
  const tag = formatTag(info.name, info.version);
  const bentos = await bentoStore().list();
  return bentos.filter((b) => b.info.models.some((m) => m.tag === tag)).map((b) => formatTag(b.info.name, b.info.version)).sort();
}

/** Throws IN_USE naming the bentos that use this model, if any. */
export async function assertModelUnused(info: Pick<ModelInfo, 'name' | 'version'>): Promise<void> {
  const users = await bentosUsingModel(info);
  if (users.length > 0) {
    const tag = formatTag(info.name, info.version);
    throw new BentoError('IN_USE', `model ${tag} is used by ${users.length === 1 ? 'bento' : 'bentos'} ${users.join(', ')}; delete ${users.length === 1 ? 'it' : 'them'} first`);
  }
}

/**
 * Deletes a model version from the model store; refused with IN_USE while a bento uses it.
 *
 * @example
 *   await deleteModel('houses_regressor:01hx'); // IN_USE: model … is used by bento houses_model:…
 */
export async function deleteModel(tag: string): Promise<ModelInfo> {
  const store = modelStore();
  const { info } = await store.resolve(tag);
  await assertModelUnused(info);
  await store.delete(formatTag(info.name, info.version));
  return info;
}

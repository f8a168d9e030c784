// The model store knows nothing of bentos: the rule "a model a bento uses cannot be deleted" is the bento
// room's, read through the checked bento.yaml reader.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { bentosUsingModel, deleteModel } from '../../src/bento/model-use.js';
import { getModel } from '../../src/models/model-store.js';
import { bentosRoot } from '../../src/store/home.js';
import { tempHome } from '../kit/project.js';
import { layBento } from '../kit/lay-bento.js';
import { rejectsWith, saveTiny } from '../kit/helpers.js';

t.test('deleting a model a bento uses is refused with IN_USE naming the bento', async (t) => {
  const home = await tempHome(t);
  const used = await saveTiny();
  const free = await saveTiny();
  await layBento(bentosRoot(), { name: 'svc', version: '0123456789abcdef', model: { name: 'tiny', version: used.version } });
  t.same(await bentosUsingModel(used), ['svc:0123456789abcdef']);
  t.same(await bentosUsingModel(free), []);
  await rejectsWith(t, deleteModel(`tiny:${used.version}`), 'IN_USE', `tiny:${used.version}`, 'svc:0123456789abcdef');
  t.ok((await getModel(`tiny:${used.version}`)).dir, 'still there');
  t.equal((await deleteModel('tiny')).version, free.version, 'an unused version deletes');
  await rejectsWith(t, getModel(`tiny:${free.version}`), 'TAG_NOT_FOUND');
  await fs.rm(path.join(home, 'bentos'), { recursive: true });
  t.equal((await deleteModel('tiny')).version, used.version, 'deletable once the bento is gone');
  t.same(await fs.readdir(path.join(home, 'models')), []);
});

t.test('a broken bento.yaml in the store is named, not skipped', async (t) => {
  await tempHome(t);
  const model = await saveTiny();
  const dir = await layBento(bentosRoot(), { model: { name: 'tiny', version: model.version } });
  await fs.writeFile(path.join(dir, 'bento.yaml'), 'name: activities_model\nversion: 0123456789abcdef\n');
  await rejectsWith(t, deleteModel(`tiny:${model.version}`), 'BAD_ARCHIVE', path.join(dir, 'bento.yaml'), 'creation_time');
  t.ok((await getModel(`tiny:${model.version}`)).dir, 'the model stays');
});

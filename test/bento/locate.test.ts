// "Tag or folder?" has one answer: a folder holding bento.yaml, a path that is not one, or a tag.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { locateBento } from '../../src/bento/locate.js';
import { bentosRoot } from '../../src/store/home.js';
import { tempDir, tempHome } from '../kit/project.js';
import { layBento } from '../kit/lay-bento.js';
import { rejectsWith } from '../kit/helpers.js';

t.test('a folder holding bento.yaml, else a path error, else a tag in the store', async (t) => {
  await tempHome(t);
  const stored = await layBento(bentosRoot());
  const elsewhere = await layBento(await tempDir(t), { version: 'fedcba9876543210' });
  const byTag = await locateBento('activities_model:latest');
  t.equal(byTag.dir, stored);
  t.equal(byTag.info.version, '0123456789abcdef');
  t.equal((await locateBento('activities_model:0123')).dir, stored, 'a version prefix');
  const byDir = await locateBento(elsewhere);
  t.same([byDir.dir, byDir.info.version], [elsewhere, 'fedcba9876543210']);
  const relative = path.relative(process.cwd(), elsewhere);
  t.equal((await locateBento(relative)).dir, elsewhere, 'a relative path');

  const empty = await tempDir(t);
  await rejectsWith(t, locateBento(empty), 'FILE_NOT_FOUND', 'has no bento.yaml');
  await rejectsWith(t, locateBento('./no-such-bento'), 'FILE_NOT_FOUND', 'no such bento folder');
  await rejectsWith(t, locateBento('nope'), 'TAG_NOT_FOUND');
  await rejectsWith(t, locateBento('Not A Tag'), 'BAD_TAG');
  await fs.writeFile(path.join(elsewhere, 'bento.yaml'), 'name: [');
  await rejectsWith(t, locateBento(elsewhere), 'BAD_ARCHIVE', 'not valid YAML');
});

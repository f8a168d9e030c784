import { promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { BentoError } from '../../src/errors.js';
import { Store, type InfoCodec } from '../../src/store/store.js';
import { tempHome } from '../kit/project.js';
import { rejectsWith } from '../kit/helpers.js';

interface Info {
  name: string;
  version: string;
  creation_time: string;
  note?: string;
}

// The store knows no format: each kind of store brings its codec. This one is plain JSON.
const jsonCodec: InfoCodec<Info> = {
  parse(text, file) {
    try {
      return JSON.parse(text) as Info;
    } catch {
      throw new BentoError('BAD_DATA', `${file} is not JSON`);
    }
  },
  stringify: (info) => JSON.stringify(info),
};

async function makeStore(t: Test): Promise<Store<Info>> {
  const home = await tempHome(t);
  return new Store<Info>({ root: path.join(home, 'things'), infoFile: 'info.json', kind: 'thing', codec: jsonCodec });
}

function add(store: Store<Info>, name: string, version: string, time: string) {
  return store.create(name, version, async (tmp) => {
    await fs.writeFile(path.join(tmp, 'data.txt'), `${name}:${version}`);
    return { name, version, creation_time: time };
  });
}

t.test('list is newest first, by creation_time then version, and per name', async (t) => {
  const store = await makeStore(t);
  t.same(await store.list(), [], 'an empty or missing root lists nothing');
  await add(store, 'm', 'aaa1', '2024-01-01T00:00:00.000Z');
  await add(store, 'm', 'aaa2', '2024-03-01T00:00:00.000Z');
  await add(store, 'm', 'bbb1', '2024-03-01T00:00:00.000Z'); // same time: higher version first
  await add(store, 'n', 'ccc1', '2024-02-01T00:00:00.000Z');
  t.same((await store.list()).map((s) => `${s.info.name}:${s.info.version}`), ['m:bbb1', 'm:aaa2', 'n:ccc1', 'm:aaa1']);
  t.same((await store.list('m')).map((s) => s.info.version), ['bbb1', 'aaa2', 'aaa1']);
  const [first] = await store.list('n');
  t.equal(first!.dir, path.join(store.root, 'n', 'ccc1'));
  t.equal(await fs.readFile(path.join(first!.dir, 'data.txt'), 'utf8'), 'n:ccc1');
  t.ok(await store.has('n', 'ccc1'));
  t.notOk(await store.has('n', 'ccc2'));
});

t.test('resolve: latest, exact, unique prefix, ambiguous, unknown', async (t) => {
  const store = await makeStore(t);
  await add(store, 'm', 'abc1', '2024-01-01T00:00:00.000Z');
  await add(store, 'm', 'abc2', '2024-02-01T00:00:00.000Z');
  await add(store, 'm', 'abd9', '2024-01-15T00:00:00.000Z');
  await add(store, 'm', 'abc', '2023-01-15T00:00:00.000Z');
  t.equal((await store.resolve('m')).info.version, 'abc2');
  t.equal((await store.resolve('m:latest')).info.version, 'abc2');
  t.equal((await store.resolve('m:abd')).info.version, 'abd9', 'unique prefix');
  t.equal((await store.resolve('m:abc')).info.version, 'abc', 'an exact version wins over a prefix');
  await rejectsWith(t, store.resolve('m:ab'), 'TAG_AMBIGUOUS', 'm:ab', 'm:abc1', 'm:abc2', 'm:abd9');
  await rejectsWith(t, store.resolve('m:zz'), 'TAG_NOT_FOUND', 'm:zz');
  await rejectsWith(t, store.resolve('other'), 'TAG_NOT_FOUND', '"other"');
  await rejectsWith(t, store.resolve('Bad:Tag'), 'BAD_TAG', 'Bad:Tag');
});

t.test('create is atomic: a failing write leaves nothing behind', async (t) => {
  const store = await makeStore(t);
  await t.rejects(
    store.create('m', 'v1', async (tmp) => {
      await fs.writeFile(path.join(tmp, 'half.bin'), 'half written');
      throw new Error('disk on fire');
    }),
    /disk on fire/,
  );
  t.same(await fs.readdir(store.root), [], 'no version, no name folder, no temp folder');
  t.same(await store.list(), []);
});

t.test('create refuses an existing version and bad names', async (t) => {
  const store = await makeStore(t);
  await add(store, 'm', 'v1', '2024-01-01T00:00:00.000Z');
  await rejectsWith(t, add(store, 'm', 'v1', '2024-02-01T00:00:00.000Z'), 'ALREADY_EXISTS', 'm:v1');
  await rejectsWith(t, add(store, 'M', 'v1', '2024-02-01T00:00:00.000Z'), 'BAD_TAG');
  await rejectsWith(t, add(store, 'm', 'latest', '2024-02-01T00:00:00.000Z'), 'BAD_TAG');
  t.equal((await store.resolve('m')).info.creation_time, '2024-01-01T00:00:00.000Z', 'the first one is untouched');
  t.same(await fs.readdir(store.root), ['m']);
});

t.test('temp folders: ignored by list, swept by the next write once an hour old', async (t) => {
  const store = await makeStore(t);
  await add(store, 'm', 'v1', '2024-01-01T00:00:00.000Z');
  // What a crash during a write leaves: a .tmp-* folder holding a complete-looking version.
  const crashed = path.join(store.root, '.tmp-crashed');
  const fresh = path.join(store.root, '.tmp-fresh');
  for (const d of [crashed, fresh]) {
    await fs.mkdir(d);
    await fs.writeFile(path.join(d, 'info.json'), JSON.stringify({ name: 'm', version: 'v9', creation_time: '2025-01-01T00:00:00Z' }));
  }
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  await fs.utimes(crashed, old, old);
  t.same((await store.list()).map((s) => s.info.version), ['v1']);
  await add(store, 'm', 'v2', '2024-02-01T00:00:00.000Z');
  const left = await fs.readdir(store.root);
  t.notOk(left.includes('.tmp-crashed'), 'the old temp folder is swept');
  t.ok(left.includes('.tmp-fresh'), 'a recent one may belong to a write in progress: kept');
});

t.test('delete removes one version, and the name folder with its last version', async (t) => {
  const store = await makeStore(t);
  await add(store, 'm', 'v1', '2024-01-01T00:00:00.000Z');
  await add(store, 'm', 'v2', '2024-02-01T00:00:00.000Z');
  t.equal((await store.delete('m')).info.version, 'v2', 'the tag resolves like any other');
  t.same((await store.list()).map((s) => s.info.version), ['v1']);
  await store.delete('m:v1');
  t.same(await fs.readdir(store.root), []);
  await rejectsWith(t, store.delete('m:v1'), 'TAG_NOT_FOUND');
});

t.test('the codec reads and writes the info file; its errors and a wrong write() are coded', async (t) => {
  const store = await makeStore(t);
  const { dir } = await add(store, 'm', 'v1', '2024-01-01T00:00:00.000Z');
  t.same(JSON.parse(await fs.readFile(path.join(dir, 'info.json'), 'utf8')), { name: 'm', version: 'v1', creation_time: '2024-01-01T00:00:00.000Z' });
  await fs.writeFile(path.join(dir, 'info.json'), '{ broken');
  await rejectsWith(t, store.list(), 'BAD_DATA', 'info.json');
  await rejectsWith(t, store.create('m', 'v2', async () => ({ name: 'm', version: 'v3', creation_time: '' })), 'INTERNAL', 'm:v3');
  t.notOk(await store.has('m', 'v2'), 'nothing stored');
});

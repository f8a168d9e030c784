import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import * as tar from 'tar';
import { extractArchive, writeTarGz, writeZip } from '../../src/store/archive.js';
import { digestTree } from '../../src/store/digest.js';
import { tempDir } from '../kit/project.js';
import { makeTar, makeZip, type RawTarEntry } from '../kit/archives.js';
import { rejectsWith } from '../kit/helpers.js';

const exists = (p: string): Promise<boolean> => fs.lstat(p).then(() => true, () => false);

/** A small tree with a nested folder, an executable, a long path (needs ustar prefix / pax) and binary data. */
async function makeTree(root: string): Promise<string> {
  const src = path.join(root, 'src');
  const long = path.join(src, 'd'.repeat(90), 'e'.repeat(90));
  await fs.mkdir(path.join(src, 'charts'), { recursive: true });
  await fs.mkdir(long, { recursive: true });
  await fs.writeFile(path.join(src, 'model.onnx'), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256)));
  await fs.writeFile(path.join(src, 'charts', 'a.svg'), '<svg/>');
  await fs.writeFile(path.join(src, 'run.sh'), '#!/bin/sh\n', { mode: 0o700 });
  await fs.writeFile(path.join(long, 'f'.repeat(120) + '.txt'), 'deep');
  return src;
}

t.test('writeTarGz is deterministic and normalises times, owners and modes', async (t) => {
  const dir = await tempDir(t);
  const src = await makeTree(dir);
  await writeTarGz(src, path.join(dir, 'a.tar.gz'), { prefix: 'm/v1' });
  // Change everything an archive should not depend on: times and permission bits beyond x.
  const later = new Date('2031-05-05T05:05:05Z');
  await fs.utimes(path.join(src, 'model.onnx'), later, later);
  await fs.chmod(path.join(src, 'charts', 'a.svg'), 0o600);
  await writeTarGz(src, path.join(dir, 'b.tar.gz'), { prefix: 'm/v1' });
  t.ok((await fs.readFile(path.join(dir, 'a.tar.gz'))).equals(await fs.readFile(path.join(dir, 'b.tar.gz'))), 'byte-identical');
  t.same((await fs.readdir(dir)).sort(), ['a.tar.gz', 'b.tar.gz', 'src'], 'no temp file left beside the archive');

  const seen: Array<{ path: string; mode: number; mtime: string; uid: number; uname: string; type: string }> = [];
  await tar.t({
    file: path.join(dir, 'a.tar.gz'),
    onReadEntry: (e) => {
      seen.push({ path: e.path, mode: e.mode!, mtime: e.mtime!.toISOString(), uid: e.uid!, uname: e.uname ?? '', type: e.type });
    },
  });
  const paths = seen.map((e) => e.path);
  t.same(paths, [...paths].sort(), 'entries sorted');
  t.equal(paths[0], 'm/');
  t.ok(paths.includes(`m/v1/${'d'.repeat(90)}/${'e'.repeat(90)}/${'f'.repeat(120)}.txt`), 'a long path survives');
  for (const e of seen) {
    t.equal(e.mtime, '2000-01-01T00:00:00.000Z', `${e.path} mtime`);
    t.equal(e.uid, 0);
    t.equal(e.uname, '');
  }
  const mode = (p: string) => seen.find((e) => e.path === p)!.mode;
  t.equal(mode('m/v1/charts/a.svg'), 0o644);
  t.equal(mode('m/v1/run.sh'), 0o755);
  t.equal(mode('m/v1/charts/'), 0o755);
  const gz = await fs.readFile(path.join(dir, 'a.tar.gz'));
  t.equal(gz.readUInt32LE(4), 0, 'gzip header carries no timestamp');
  t.equal(gz[3]! & 0x08, 0, 'gzip header carries no file name');
});

t.test('extractArchive round-trips tar.gz, plain tar and zip', async (t) => {
  const dir = await tempDir(t);
  const src = await makeTree(dir);
  const want = await digestTree(src);
  await writeTarGz(src, path.join(dir, 'm.tar.gz'), { prefix: 'm/v1' });
  await fs.writeFile(path.join(dir, 'm.tar'), zlib.gunzipSync(await fs.readFile(path.join(dir, 'm.tar.gz'))));
  await writeZip(src, path.join(dir, 'm.zip'), { prefix: 'm/v1' });
  await writeZip(src, path.join(dir, 'm2.zip'), { prefix: 'm/v1' });
  t.ok((await fs.readFile(path.join(dir, 'm.zip'))).equals(await fs.readFile(path.join(dir, 'm2.zip'))), 'zip is byte-identical too');
  for (const f of ['m.tar.gz', 'm.tar', 'm.zip']) {
    const out = path.join(dir, `out-${f}`);
    const paths = await extractArchive(path.join(dir, f), out);
    t.ok(paths.includes('m/v1/model.onnx'), `${f}: lists what it extracted`);
    t.same(await digestTree(path.join(out, 'm', 'v1')), want, `${f}: same files, same bytes`);
    t.equal((await fs.stat(path.join(out, 'm', 'v1', 'run.sh'))).mode & 0o111, 0o111, `${f}: the executable stays executable`);
  }
});

t.test('a symbolic link that stays inside is extracted as a link', async (t) => {
  const dir = await tempDir(t);
  const file = path.join(dir, 'ok.tar.gz');
  await fs.writeFile(file, makeTar([
    { path: 'm/v/data.txt', body: 'hello' },
    { path: 'm/v/alias.txt', type: 'SymbolicLink', linkpath: 'data.txt' },
    { path: 'm/v/hard.txt', type: 'Link', linkpath: 'm/v/data.txt' },
  ]));
  await extractArchive(file, path.join(dir, 'out'));
  t.equal(await fs.readlink(path.join(dir, 'out/m/v/alias.txt')), 'data.txt');
  t.equal(await fs.readFile(path.join(dir, 'out/m/v/hard.txt'), 'utf8'), 'hello');
});

t.test('dangerous tar entries are rejected, naming the entry, and nothing stays behind', async (t) => {
  const dir = await tempDir(t);
  // Where a naive extractor would write (absolute entries point here too).
  const outside = path.join(dir, 'outside');
  const cases: Array<{ what: string; entries: RawTarEntry[]; names: string[] }> = [
    { what: 'absolute path', entries: [{ path: `${outside}/pwned.txt`, body: 'x' }], names: [`"${outside}/pwned.txt"`, 'absolute'] },
    { what: '".." segment', entries: [{ path: 'm/v/ok.txt', body: 'ok' }, { path: 'm/v/../../../outside/pwned.txt', body: 'x' }], names: ['"m/v/../../../outside/pwned.txt"', '".."'] },
    { what: 'symlink outside', entries: [{ path: 'm/v/link', type: 'SymbolicLink', linkpath: '../../../outside' }], names: ['"m/v/link"', 'outside'] },
    { what: 'absolute symlink', entries: [{ path: 'm/v/link', type: 'SymbolicLink', linkpath: outside }], names: ['"m/v/link"', 'absolute'] },
    {
      what: 'symlink escaping through another link',
      entries: [{ path: 'a', type: 'SymbolicLink', linkpath: '.' }, { path: 'b', type: 'SymbolicLink', linkpath: 'a/..' }],
      names: ['"b"', 'outside'],
    },
    {
      what: 'file written through a symlink',
      entries: [{ path: 'sub/', type: 'Directory' }, { path: 'link', type: 'SymbolicLink', linkpath: 'sub' }, { path: 'link/x.txt', body: 'x' }],
      names: ['"link/x.txt"', '"link"'],
    },
    { what: 'hardlink outside', entries: [{ path: 'm/v/h', type: 'Link', linkpath: '../../outside/secret' }], names: ['"m/v/h"', '".."'] },
    { what: 'absolute hardlink', entries: [{ path: 'm/v/h', type: 'Link', linkpath: '/etc/passwd' }], names: ['"m/v/h"', 'absolute'] },
    { what: 'hardlink to no archived file', entries: [{ path: 'm/v/h', type: 'Link', linkpath: 'etc/passwd' }], names: ['"m/v/h"', 'outside'] },
    {
      what: 'hardlink to a symlink (its relative target would move)',
      entries: [{ path: 'a/b/l', type: 'SymbolicLink', linkpath: '../../x' }, { path: 'l2', type: 'Link', linkpath: 'a/b/l' }],
      names: ['"l2"', 'outside'],
    },
    { what: 'file over a folder', entries: [{ path: 'm/', type: 'Directory' }, { path: 'm', body: 'x' }], names: ['"m"', 'cannot be extracted'] },
    { what: 'character device', entries: [{ path: 'm/v/tty', type: 'CharacterDevice' }], names: ['"m/v/tty"', 'CharacterDevice'] },
    { what: 'fifo', entries: [{ path: 'm/v/pipe', type: 'FIFO' }], names: ['"m/v/pipe"', 'FIFO'] },
    { what: 'duplicate entry', entries: [{ path: 'm/v/a', body: '1' }, { path: 'm/v/a', body: '2' }], names: ['"m/v/a"', 'twice'] },
  ];
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, 'secret'), 'secret');
  for (const c of cases) {
    for (const gzip of [true, false]) {
      const file = path.join(dir, `case.tar${gzip ? '.gz' : ''}`);
      await fs.writeFile(file, makeTar(c.entries, { gzip }));
      const dest = path.join(dir, 'dest');
      await rejectsWith(t, extractArchive(file, dest), 'BAD_ARCHIVE', ...c.names);
      t.notOk(await exists(dest), `${c.what}${gzip ? ' (gz)' : ''}: the destination is removed`);
      t.same(await fs.readdir(outside), ['secret'], `${c.what}: nothing written outside`);
    }
  }
});

t.test('files that are not archives, or broken ones, are BAD_ARCHIVE', async (t) => {
  const dir = await tempDir(t);
  const src = await makeTree(dir);
  await writeTarGz(src, path.join(dir, 'good.tar.gz'));
  const good = await fs.readFile(path.join(dir, 'good.tar.gz'));
  const files: Record<string, Buffer> = {
    'notes.txt': Buffer.from('just some text, not an archive\n'),
    'empty.bin': Buffer.alloc(0),
    'truncated.tar.gz': good.subarray(0, Math.floor(good.length / 2)),
    'gzipped-text.gz': zlib.gzipSync('hello, not a tar'),
  };
  for (const [name, bytes] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    await rejectsWith(t, extractArchive(file, path.join(dir, 'dest')), 'BAD_ARCHIVE', name);
    t.notOk(await exists(path.join(dir, 'dest')), `${name}: nothing left`);
  }
});

t.test('zip: a good hand-made zip extracts; bad entries are rejected', async (t) => {
  const dir = await tempDir(t);
  const good = path.join(dir, 'good.zip');
  await fs.writeFile(good, makeZip([
    { name: 'm/', mode: 0o040755 },
    { name: 'm/a.txt', data: 'alpha' },
    { name: 'm/run.sh', data: '#!/bin/sh\n', mode: 0o100755 },
    { name: 'm/alias', data: 'a.txt', mode: 0o120777 },
  ]));
  await extractArchive(good, path.join(dir, 'out'));
  t.equal(await fs.readFile(path.join(dir, 'out/m/a.txt'), 'utf8'), 'alpha');
  t.equal((await fs.stat(path.join(dir, 'out/m/run.sh'))).mode & 0o777, 0o755);
  t.equal(await fs.readlink(path.join(dir, 'out/m/alias')), 'a.txt');

  const bad: Array<[string, Parameters<typeof makeZip>[0], string[]]> = [
    ['dotdot', [{ name: 'm/a.txt', data: 'a' }, { name: '../evil.txt', data: 'x' }], ['"../evil.txt"', '".."']],
    ['absolute', [{ name: '/tmp/evil.txt', data: 'x' }], ['"/tmp/evil.txt"', 'absolute']],
    ['symlink', [{ name: 'm/link', data: '../../etc', mode: 0o120777 }], ['"m/link"', 'outside']],
    ['fifo', [{ name: 'm/p', mode: 0o010644 }], ['"m/p"', 'other']],
    ['crc', [{ name: 'm/a.txt', data: 'tampered', badCrc: true }], ['"m/a.txt"', 'CRC']],
  ];
  for (const [what, entries, names] of bad) {
    const file = path.join(dir, `${what}.zip`);
    await fs.writeFile(file, makeZip(entries));
    await rejectsWith(t, extractArchive(file, path.join(dir, 'dest')), 'BAD_ARCHIVE', ...names);
    t.notOk(await exists(path.join(dir, 'dest')), `${what}: nothing left`);
  }
  t.notOk(await exists(path.join(dir, '..', 'evil.txt')));
});

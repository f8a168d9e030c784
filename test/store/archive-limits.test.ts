// Archive bombs: a gzip'd tar or a zip that unpacks far beyond its size, or holds too many entries, stops at
// the limit with BAD_ARCHIVE naming the limit and its variable, leaving nothing behind; an import interrupted
// with SIGINT or SIGTERM leaves no temporary folder behind.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { archiveLimits, DEFAULT_ARCHIVE_LIMITS, type ArchiveLimits } from '../../src/store/archive-limits.js';
import { extractArchive } from '../../src/store/archive.js';
import { makeTar, makeZip } from '../kit/archives.js';
import { rejectsWith } from '../kit/helpers.js';
import { tempDir } from '../kit/project.js';

const MiB = 1024 * 1024;

/**
 * `n` bytes that pack about 50:1, like a bomb made of real-looking data (node-tar itself stops a gzip
 * stream past 1000:1, so all-zero bombs never reach our limits).
 */
function lowEntropy(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i += 64) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
const small: ArchiveLimits = { maxBytes: 4 * MiB, maxEntries: 20, maxEntryBytes: 2 * MiB };

t.test('bombs stop at the limits, each named, and nothing is left in the destination', async (t) => {
  const dir = await tempDir(t);
  const zeros = lowEntropy(8 * MiB);
  const files: Array<[string, Buffer, ArchiveLimits, RegExp]> = [
    ['one big entry.tar.gz', makeTar([{ path: 'big.bin', body: zeros }]), small, /entry "big\.bin" unpacks to 8388608 bytes.*BENTO_ARCHIVE_MAX_ENTRY_BYTES/],
    ['many bytes.tar.gz', makeTar(Array.from({ length: 5 }, (_, i) => ({ path: `part${i}.bin`, body: lowEntropy(1.5 * MiB, i) }))), small, /past 4194304 bytes.*BENTO_ARCHIVE_MAX_BYTES/],
    ['many entries.tar.gz', makeTar(Array.from({ length: 30 }, (_, i) => ({ path: `f${i}.txt`, body: 'x' }))), small, /more than 20 entries.*BENTO_ARCHIVE_MAX_ENTRIES/],
    ['one big entry.zip', makeZip([{ name: 'big.bin', data: zeros, deflate: true }]), small, /entry "big\.bin" unpacks to 8388608 bytes.*BENTO_ARCHIVE_MAX_ENTRY_BYTES/],
    ['many entries.zip', makeZip(Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }))), small, /more than 20 entries/],
  ];
  for (const [name, bytes, limits, message] of files) {
    t.ok(bytes.length < MiB, `${name}: ${bytes.length} bytes packed`);
    const file = path.join(dir, name);
    await fs.writeFile(file, bytes);
    const dest = path.join(dir, `out-${name}`);
    await rejectsWith(t, extractArchive(file, dest, { limits }), 'BAD_ARCHIVE', message);
    t.notOk(existsSync(dest), `${name}: nothing left behind`);
  }
  // The same archives pass under limits that allow them.
  const ok = path.join(dir, 'ok');
  t.same((await extractArchive(path.join(dir, 'one big entry.zip'), ok, { limits: { ...small, maxEntryBytes: 8 * MiB, maxBytes: 8 * MiB } })).sort(), ['big.bin']);
});

t.test('a zip whose directory claims a small size cannot inflate more than it claims', async (t) => {
  const dir = await tempDir(t);
  const bytes = makeZip([{ name: 'liar.bin', data: Buffer.alloc(4 * MiB), deflate: true }]);
  // Rewrite the sizes (local header and directory) to claim 1 KiB.
  const cd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bytes.writeUInt32LE(1024, 22);
  bytes.writeUInt32LE(1024, cd + 24);
  const file = path.join(dir, 'liar.zip');
  await fs.writeFile(file, bytes);
  await rejectsWith(t, extractArchive(file, path.join(dir, 'out'), { limits: small }), 'BAD_ARCHIVE', 'liar.bin');
  t.notOk(existsSync(path.join(dir, 'out')));
});

t.test('a small zip whose directory announces a 1 GiB entry is refused before anything is inflated', async (t) => {
  const dir = await tempDir(t);
  const bytes = makeZip([{ name: 'gig.bin', data: lowEntropy(MiB), deflate: true }]);
  const cd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  bytes.writeUInt32LE(1024 * MiB, 22);
  bytes.writeUInt32LE(1024 * MiB, cd + 24);
  const file = path.join(dir, 'gig.zip');
  await fs.writeFile(file, bytes);
  const before = process.memoryUsage().rss;
  await rejectsWith(t, extractArchive(file, path.join(dir, 'out')), 'BAD_ARCHIVE', 'entry "gig.bin" unpacks to 1073741824 bytes', 'BENTO_ARCHIVE_MAX_ENTRY_BYTES');
  t.ok(process.memoryUsage().rss - before < 256 * MiB, 'no gigabyte was allocated');
});

t.test('the limits come from the environment, with generous defaults', async (t) => {
  t.same(archiveLimits({}), DEFAULT_ARCHIVE_LIMITS);
  t.ok(DEFAULT_ARCHIVE_LIMITS.maxBytes >= 1024 * MiB && DEFAULT_ARCHIVE_LIMITS.maxEntries >= 10_000, 'room for real bentos (~50 MB, a few thousand files)');
  t.same(archiveLimits({ BENTO_ARCHIVE_MAX_ENTRIES: '5', BENTO_ARCHIVE_MAX_BYTES: '1000' }), { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 5, maxBytes: 1000 });
  t.throws(() => archiveLimits({ BENTO_ARCHIVE_MAX_BYTES: '1e9' }), { code: 'BAD_ARGUMENT', message: /BENTO_ARCHIVE_MAX_BYTES/ });
  const dir = await tempDir(t);
  const file = path.join(dir, 'three.tar.gz');
  await fs.writeFile(file, makeTar([{ path: 'a', body: '1' }, { path: 'b', body: '2' }, { path: 'c', body: '3' }]));
  const before = process.env.BENTO_ARCHIVE_MAX_ENTRIES;
  process.env.BENTO_ARCHIVE_MAX_ENTRIES = '2';
  t.teardown(() => (before === undefined ? delete process.env.BENTO_ARCHIVE_MAX_ENTRIES : (process.env.BENTO_ARCHIVE_MAX_ENTRIES = before)));
  await rejectsWith(t, extractArchive(file, path.join(dir, 'out')), 'BAD_ARCHIVE', 'more than 2 entries');
});

/** Waits until `check` holds, polling; false after `ms`. */
async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`an import interrupted by ${signal} leaves no temporary folder behind`, async (t) => {
    const dir = await tempDir(t);
    const tmp = path.join(dir, 'tmp');
    const home = path.join(dir, 'home');
    await fs.mkdir(tmp);
    // ~320 MB in 40 entries: a few seconds of extraction, a few MB of archive.
    const blob = lowEntropy(8 * MiB);
    const bytes = makeTar([{ path: 'bento.yaml', body: 'name: x\n' }, ...Array.from({ length: 40 }, (_, i) => ({ path: `env/blob${i}.bin`, body: blob }))]);
    const file = path.join(dir, 'slow.bento');
    await fs.writeFile(file, bytes);
    const bin = path.resolve('bin/bento.mjs');
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, BENTO_HOME: home };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [bin, 'import', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.on('exit', (code, sig) => r([code, sig])));
    const work = async (): Promise<string | undefined> => (await fs.readdir(tmp)).find((n) => n.startsWith('bento-import-'));
    const started = await until(async () => {
      const w = await work();
      return w !== undefined && (await fs.readdir(path.join(tmp, w)).catch(() => [])).length > 0;
    }, 20_000);
    t.ok(started, 'the extraction started');
    child.kill(signal);
    const [code, sig] = await exited;
    t.ok(sig === signal || code !== 0, `the import stopped (${code}, ${sig}) ${stderr}`);
    // (tsx, which runs the CLI from source, keeps its own cache there)
    t.same((await fs.readdir(tmp)).filter((n) => !n.startsWith('tsx-')), [], 'nothing of ours left in $TMPDIR');
    const stores = existsSync(home) ? await fs.readdir(home, { recursive: true }) : [];
    t.same(stores.map(String).filter((p) => p.includes('.tmp-')), [], 'no temporary folder in the stores');
  });
}

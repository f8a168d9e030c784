// `bento serve . --reload` through the real CLI: saves that replace the file by a rename (sed -i, an editor's
// atomic write) restart the server every time, not only the first (a watch on the file loses it on rename).
import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT, spawnServer, stopServer, waitForStatus, type Served } from '../kit/bento.js';
import { randomForest, writeModel } from '../kit/model.js';
import { tempDir } from '../kit/project.js';

const CLI = path.join(PROJECT, 'bin', 'bento.mjs');
const SERVICE = `export { svc } from ${JSON.stringify(path.join(PROJECT, 'service.js'))};\n`;

const listening = (l: Record<string, unknown>): boolean => /listening on/.test(String(l.msg));

/** The pid of the next server that starts listening after `seen`. */
async function nextServer(s: Served, seen: Set<number>): Promise<number> {
  const line = await s.waitForLog((l) => listening(l) && !seen.has(Number(l.pid)));
  seen.add(Number(line.pid));
  return Number(line.pid);
}

/** `bento serve . --reload` on a new project whose service.ts is `service`; `seen` holds the first server's pid. */
async function reloading(t: Test, service: string, flags: string[] = []): Promise<{ s: Served; file: string; seen: Set<number> }> {
  const project = await tempDir(t, 'bento-reload-');
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  const file = path.join(project, 'service.ts');
  writeFileSync(file, service);
  writeModel(path.join(project, 'models'), randomForest(4, 3, 2), { version: 'reload00000001' });
  const s = await spawnServer(process.execPath, [CLI, 'serve', '.', '--reload', ...flags, '--port', '0', '--host', '127.0.0.1'], { BENTO_HOME: project }, project);
  t.teardown(() => {
    // SIGTERM first: the reloader stops its server before it exits (SIGKILL would orphan it).
    if (s.child.exitCode === null) s.child.kill('SIGTERM');
    return stopServer(s);
  });
  return { s, file, seen: new Set<number>([Number(s.logs.find(listening)!.pid)]) };
}

t.test('rename-saves restart the server each time, and so do later plain writes and new folders', { timeout: 120_000 }, async (t) => {
  const { s, file, seen } = await reloading(t, SERVICE);

  // 1. sed -i: writes a temp file in the folder, then renames it over service.ts.
  const sed = spawnSync('sed', ['-i', '1i // first edit', file]);
  t.equal(sed.status, 0, String(sed.stderr));
  const first = await nextServer(s, seen);
  t.ok(first, 'restarted after the first rename-save');

  // 2. An editor's atomic write: a new file renamed over the old one (a new inode again).
  writeFileSync(`${file}.tmp~`, `// second edit\n${SERVICE}`);
  renameSync(`${file}.tmp~`, file);
  const second = await nextServer(s, seen);
  t.not(second, first, 'restarted after the second rename-save too');

  // 3. A plain write after those, and a source in a folder created after the start.
  writeFileSync(file, `// third edit\n${SERVICE}`);
  await nextServer(s, seen);
  mkdirSync(path.join(path.dirname(file), 'lib'));
  writeFileSync(path.join(path.dirname(file), 'lib', 'util.ts'), 'export const x = 1;\n');
  await nextServer(s, seen);
  t.equal(seen.size, 5, 'one server at the start and one per save');

  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

/** Resolves once `cond()` holds (checked every 50 ms); fails after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('type errors are shown after each start, the server runs anyway, and their end is said', { timeout: 120_000 }, async (t) => {
  const { s, file, seen } = await reloading(t, `${SERVICE}export const limit: number = '10';\n`);
  await until(() => /type error/.test(s.stderr()), 60_000, 'the type errors');
  t.match(s.stderr(), /^bento serve: service\.ts:2:14: type error TS2322: Type 'string' is not assignable to type 'number'\.\n/m, 'the place and the message');
  t.match(s.stderr(), /> 2 \| export const limit: number = '10';\n\s+\|\s{14}\^\n\(1 type error; served anyway: types are stripped, not checked\)/, 'the code frame and the count');
  t.equal((await fetch(`${s.url}/readyz`)).status, 200, 'the server runs anyway');

  writeFileSync(file, `${SERVICE}export const limit: number = 10;\n`);
  await nextServer(s, seen);
  await until(() => /bento serve: no type errors/.test(s.stderr()), 60_000, 'the all-clear');
  t.equal(s.stderr().match(/type error TS/g)!.length, 1, 'the errors were shown once, for the start that had them');
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

t.test('--no-type-check: the same type error is not checked for, at the start nor after a restart', { timeout: 120_000 }, async (t) => {
  const { s, file, seen } = await reloading(t, `${SERVICE}export const limit: number = '10';\n`, ['--no-type-check']);
  await waitForStatus(`${s.url}/readyz`); // the server runs, type error and all
  writeFileSync(file, `// an edit\n${SERVICE}export const limit: number = '10';\n`);
  await nextServer(s, seen);
  // The check above shows this error within seconds of a start; give it well over that.
  await new Promise((r) => setTimeout(r, 8_000));
  t.notMatch(s.stderr(), /type error|no type errors/, 'no check ran');
  s.child.kill('SIGTERM');
  t.equal((await s.exited).code, 0);
});

t.test('--no-type-check without --reload is refused with one line', async (t) => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '.', '--no-type-check'], { cwd: PROJECT, encoding: 'utf8' });
  t.equal(r.status, 1);
  t.equal(r.stderr, 'BAD_ARGUMENT: --no-type-check applies with --reload only (without it, types are not checked)\n');
});

t.test('a broken bentofile at the start is reported by the server, and the reloader waits for the fix', { timeout: 120_000 }, async (t) => {
  const project = await tempDir(t, 'bento-reload-bentofile-');
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'p', private: true, type: 'module' }));
  writeFileSync(path.join(project, 'service.ts'), SERVICE);
  writeFileSync(path.join(project, 'bentofile.yaml'), 'service: 42\n');
  writeModel(path.join(project, 'models'), randomForest(4, 3, 2), { version: 'reload00000003' });
  const child = spawn(process.execPath, [CLI, 'serve', '.', '--reload', '--port', '0', '--host', '127.0.0.1'], { cwd: project, env: { ...process.env, BENTO_HOME: project }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (err += c));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGTERM')));
  await until(() => /waiting for a change/.test(err) || child.exitCode !== null, 60_000, 'the reloader to wait');
  t.match(err, /BAD_CONFIG: .*bentofile\.yaml/, "the server's own error names the bentofile");
  t.equal(child.exitCode, null, 'the reloader keeps running');
  writeFileSync(path.join(project, 'bentofile.yaml'), 'service: service.ts:svc\n');
  await until(() => /listening on/.test(out), 60_000, 'the server after the fix');
  child.kill('SIGTERM');
  t.equal(await new Promise((r) => child.on('exit', r)), 0);
});

// The reloader's folder watcher when the system has no watch left to give (ENOSPC: Linux's
// fs.inotify.max_user_watches, a per-user limit a test cannot lower without breaking its neighbours): the
// folders it could not watch are said once, and the ones it could still report changes.
import t from 'tap';
import { mkdirSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { watchTree } from '../../src/cli/watch-tree.js';
import { watchLimitMessage } from '../../src/cli/reload.js';
import { tempDir } from '../kit/project.js';

const until = async (cond: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

t.test('folders past the watch limit are reported once; the others still report changes', async (t) => {
  const root = await tempDir(t, 'bento-watch-');
  for (const dir of ['src', 'src/deep', 'src/deep/er', 'lib']) mkdirSync(path.join(root, dir), { recursive: true });
  // The real fs.watch, but the system "runs out" for every folder under src/deep.
  const limited: typeof watch = ((file: string, listener: Parameters<typeof watch>[1]) => {
    if (path.relative(root, file).startsWith(path.join('src', 'deep'))) {
      throw Object.assign(new Error(`ENOSPC: System limit for number of file watchers reached, watch '${file}'`), { code: 'ENOSPC' });
    }
    return watch(file, listener as never);
  }) as typeof watch;
  const limits: Array<[string, string]> = [];
  const changed: string[] = [];
  const w = watchTree(root, () => false, (rel) => changed.push(rel), { watch: limited, onLimit: (rel, code) => limits.push([rel, code]) });
  t.teardown(() => w.close());
  t.same(limits, [['src/deep', 'ENOSPC']], 'the first folder refused is said, once (src/deep/er, refused too, is not said again)');
  writeFileSync(path.join(root, 'lib', 'a.ts'), 'export {};\n');
  await until(() => changed.includes('lib/a.ts'));
  t.pass('a folder watched before the limit still reports its changes');
});

t.test('other watch errors (a folder gone meanwhile) are not reported as a limit', async (t) => {
  const root = await tempDir(t, 'bento-watch-');
  mkdirSync(path.join(root, 'src'));
  const gone: typeof watch = ((file: string, listener: Parameters<typeof watch>[1]) => {
    if (file.endsWith('src')) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    return watch(file, listener as never);
  }) as typeof watch;
  const limits: string[] = [];
  const w = watchTree(root, () => false, () => undefined, { watch: gone, onLimit: (rel) => limits.push(rel) });
  t.teardown(() => w.close());
  t.same(limits, []);
});

t.test('what the reloader says: the folder, which limit, and how to raise it', async (t) => {
  t.equal(
    watchLimitMessage('src/deep', 'ENOSPC'),
    'warning: not watching src/deep/ (nor, perhaps, other folders): the system\'s limit of file watches is reached (raise it: sysctl fs.inotify.max_user_watches=524288); changes there will not restart the server',
  );
  t.match(watchLimitMessage('', 'EMFILE'), /^warning: not watching the project folder .*open files .*ulimit -n/);
});

/**
 * `bento serve . --reload`: runs the server in a child process and restarts it when a source file of the
 * project changes (its folders watched, debounced; rename-saves included), the way BentoML's reloader does.
 */
import type { ChildProcess } from 'node:child_process';
import { exitCodeOf, spawnNode } from './child.js';
import { watchTree, type TreeWatcher } from './watch-tree.js';

const IGNORED = /(^|[\\/])(node_modules|\.git|models|bentos|coverage|\.tap)([\\/]|$)|(^|[\\/])\./;
const WATCHED = /\.(ts|mts|cts|js|mjs|cjs|json|ya?ml)$/;

/** Whether a change to `file` (relative to the project) restarts the server. */
export function triggersReload(file: string): boolean {
  return WATCHED.test(file) && !IGNORED.test(file);
}

/** What the reloader says when the system will not watch one more folder (`dir` relative to the project). */
export function watchLimitMessage(dir: string, code: string): string {
  const where = dir === '' ? 'the project folder' : `${dir}/`;
  const limit =
    code === 'ENOSPC'
      ? "the system's limit of file watches is reached (raise it: sysctl fs.inotify.max_user_watches=524288)"
      : "the process's limit of open files is reached (raise it: ulimit -n)";
  return `warning: not watching ${where} (nor, perhaps, other folders): ${limit}; changes there will not restart the server`;
}

/**
 * Runs `node childArgs…` and restarts it on changes under `projectDir`; resolves with the last child's
 * exit code once SIGINT/SIGTERM stop it. `started` is called after each start (the first included).
 */
export function serveWithReload(projectDir: string, childArgs: string[], log: (msg: string) => void, started: () => void = () => undefined): Promise<number> {
  const spawnChild = (): ChildProcess => {
    const c = spawnNode(childArgs);
    started();
    return c;
  };
  let child: ChildProcess = spawnChild();
  let stopping = false;
  let restarting = false;
  let timer: NodeJS.Timeout | undefined;
  let watcher: TreeWatcher | undefined;

  return new Promise((resolve) => {
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (restarting) {
        restarting = false;
        child = spawnChild();
        child.on('exit', onExit);
        return;
      }
      if (stopping) {
        watcher?.close();
        resolve(exitCodeOf(code, signal));
      }
      // Otherwise the server crashed: wait for the next change to try again.
      else log('the server exited; waiting for a change to restart it');
    };
    child.on('exit', onExit);

    const restart = (): void => {
      log('source changed: restarting the server');
      if (child.exitCode !== null || child.signalCode !== null) {
        child = spawnChild();
        child.on('exit', onExit);
        return;
      }
      restarting = true;
      child.kill('SIGTERM');
    };
    // Folders, not files: a file's watch is lost when a save renames a new file over it (sed -i, editors).
    watcher = watchTree(
      projectDir,
      (dir) => IGNORED.test(dir),
      (file) => {
        if (stopping || !triggersReload(file)) return;
        clearTimeout(timer);
        timer = setTimeout(restart, 150);
      },
      { onLimit: (dir, code) => log(watchLimitMessage(dir, code)) },
    );

    const stop = (signal: NodeJS.Signals) => (): void => {
      stopping = true;
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      else {
        watcher?.close();
        resolve(exitCodeOf(child.exitCode, child.signalCode as NodeJS.Signals | null));
      }
    };
    process.once('SIGINT', stop('SIGINT'));
    process.once('SIGTERM', stop('SIGTERM'));
  });
}

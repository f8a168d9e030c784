/**
 * Watches a folder tree for changed files by watching its FOLDERS, one fs.watch each. A watch on a file
 * follows its inode, which a rename-save (`sed -i`, an editor's atomic write: write a temp file, rename it
 * over the old one) replaces, so Node's recursive watch on Linux goes deaf to that file after the first
 * such save. A folder's watch sees every name that appears, changes or goes in it, whatever the inode.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export interface TreeWatcher {
  close(): void;
}

export interface WatchTreeOptions {
  /**
   * Called once, the first time a folder cannot be watched because the system has no watch left to give
   * (ENOSPC: Linux's fs.inotify.max_user_watches; EMFILE: open files), with that folder: changes in it
   * (and in any other folder refused later) go unseen.
   */
  onLimit?(rel: string, code: string): void;
  /** fs.watch, replaceable in tests (a system out of watches cannot be arranged on demand). */
  watch?: typeof watch;
}

const LIMITS = new Set(['ENOSPC', 'EMFILE']);

/**
 * Calls `onChange(rel)` (a POSIX path relative to `root`) for each file event under `root`; folders for
 * which `skip(rel)` holds are not walked. Folders created (or renamed in) later are watched from then on,
 * and their files reported.
 *
 * @example
 *   const w = watchTree('/work/app', (rel) => rel === 'node_modules', (rel) => console.log('changed', rel));
 */
export function watchTree(root: string, skip: (rel: string) => boolean, onChange: (rel: string) => void, opts: WatchTreeOptions = {}): TreeWatcher {
  const watchers = new Map<string, FSWatcher>();
  const watchFolder = opts.watch ?? watch;
  let closed = false;
  let limited = false;
  const abs = (rel: string): string => path.join(root, ...rel.split('/').filter(Boolean));
  const join = (dir: string, name: string): string => (dir ? `${dir}/${name}` : name);

  const unwatch = (rel: string): void => {
    for (const [k, w] of watchers) {
      if (k === rel || k.startsWith(`${rel}/`)) {
        w.close();
        watchers.delete(k);
      }
    }
  };

  const isDir = (rel: string): boolean => {
    try {
      return statSync(abs(rel)).isDirectory();
    } catch {
      return false;
    }
  };

  // Watches `dir` and the folders under it; `report` names the files found (a folder that just appeared).
  const add = (dir: string, report: boolean): void => {
    if (closed || watchers.has(dir)) return;
    let w: FSWatcher;
    try {
      w = watchFolder(abs(dir), (_event, name) => name && onEvent(join(dir, String(name).split(path.sep).join('/'))));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (LIMITS.has(code) && !limited) {
        limited = true;
        opts.onLimit?.(dir, code);
      }
      return; // gone already, unreadable, or no watch left: nothing to watch
    }
    w.on('error', () => unwatch(dir));
    watchers.set(dir, w);
    let entries;
    try {
      entries = readdirSync(abs(dir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const rel = join(dir, e.name);
      if (e.isDirectory()) {
        if (!skip(rel)) add(rel, report);
      } else if (report) onChange(rel);
    }
  };

  const onEvent = (rel: string): void => {
    if (closed) return;
    if (isDir(rel)) {
      if (!skip(rel) && !watchers.has(rel)) add(rel, true);
      return;
    }
    if (watchers.has(rel)) unwatch(rel); // a watched folder went away (or was renamed out)
    onChange(rel);
  };

  add('', false);
  return {
    close(): void {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

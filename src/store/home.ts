/**
 * Where the stores live: `$BENTO_HOME/models` and `$BENTO_HOME/bentos`, BENTO_HOME defaulting to the
 * project the current folder is in (so `cd src && bento list` sees the project's stores, as git finds its
 * repository from a subfolder). Read on every call so tests and the CLI can change it at run time.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The files that mark a project's top folder, strongest first. */
const PROJECT_MARKERS = ['bentofile.yaml', 'package.json'] as const;

function findUp(from: string, marker: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, marker))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The project `from` (default: the current folder) is in: the nearest folder at or above it holding a
 * bentofile.yaml, else the nearest holding a package.json, else `from` itself.
 *
 * @example
 *   process.chdir('/work/app/src/lib');
 *   projectRoot(); // '/work/app' when /work/app/bentofile.yaml exists
 */
export function projectRoot(from: string = process.cwd()): string {
  const start = path.resolve(from);
  for (const marker of PROJECT_MARKERS) {
    const found = findUp(start, marker);
    if (found) return found;
  }
  return start;
}

/** `$BENTO_HOME` when set (it always wins), else the project root of the current folder; absolute. */
export function bentoHome(): string {
  return path.resolve(process.env.BENTO_HOME || projectRoot());
}

/** `$BENTO_HOME/models`. */
export function modelsRoot(): string {
  return path.join(bentoHome(), 'models');
}

/** `$BENTO_HOME/bentos`. */
export function bentosRoot(): string {
  return path.join(bentoHome(), 'bentos');
}

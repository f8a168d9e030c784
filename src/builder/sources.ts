/**
 * Which project files a bento carries in `src/` for reference: bentofile `include` minus `exclude`
 * (picomatch globs relative to the project), never node_modules, .git, or the stores (models/, bentos/);
 * an included link to a file outside the project is refused (BAD_CONFIG naming it).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import { compareBytes } from '../store/digest.js';
import { assertInsideProject } from './inside.js';

/** Folders never walked: dependencies, history, and the stores that hold bentos and models. */
const NEVER_ANYWHERE = new Set(['node_modules', '.git']);
const NEVER_AT_TOP = new Set(['models', 'bentos']);

/** `dir/` in a pattern means everything under it. */
function expand(patterns: string[]): string[] {
  return patterns.map((p) => p.replace(/^\.\//, '')).map((p) => (p.endsWith('/') ? `${p}**` : p));
}

/**
 * Relative POSIX paths of the project files to copy, sorted. `skipDirs` (relative POSIX folders) are
 * not walked either, e.g. the stores when BENTO_HOME is somewhere inside the project.
 *
 * @example
 *   await listSources('/work/app', ['service.ts', 'src/**\/*.ts'], ['**\/*.test.ts'])
 */
export async function listSources(projectDir: string, include: string[], exclude: string[], skipDirs: string[] = []): Promise<string[]> {
  const skip = new Set(skipDirs);
  const isIncluded = picomatch(expand(include), { dot: false });
  const isExcluded = exclude.length ? picomatch(expand(exclude), { dot: true }) : () => false;
  const out: string[] = [];
  async function walk(abs: string, rel: string): Promise<void> {
    const entries = await fs.readdir(abs, { withFileTypes: true });
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (NEVER_ANYWHERE.has(e.name) || (!rel && NEVER_AT_TOP.has(e.name)) || skip.has(r)) continue;
        if (isExcluded(r) || isExcluded(`${r}/`)) continue;
        await walk(path.join(abs, e.name), r);
      } else if (e.isFile() || (e.isSymbolicLink() && (await fs.stat(path.join(abs, e.name)).catch(() => undefined))?.isFile())) {
        if (!isIncluded(r) || isExcluded(r)) continue;
        // A link may lead anywhere (`passwd.txt -> /etc/passwd`): only what stays inside the project is read.
        if (e.isSymbolicLink()) assertInsideProject(projectDir, path.join(abs, e.name), '/include', r);
        out.push(r);
      }
    }
  }
  await walk(projectDir, '');
  return out.sort(compareBytes);
}

/**
 * A build reads nothing outside its project folder: a source, the description file, the service module or
 * the Dockerfile template reached through a symbolic link or `..` is refused, naming the path.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';

/** Whether `file`, links resolved, is inside `projectDir` (links resolved too). */
export function isInsideProject(projectDir: string, file: string): boolean {
  const root = realpathSync(projectDir);
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    real = path.resolve(file); // missing: its lexical place decides, and the read will say it is missing
  }
  return real === root || real.startsWith(root + path.sep);
}

/**
 * Throws BAD_CONFIG (`where`: what named the file, e.g. `bentofile.yaml: /description`) when `file` lies
 * outside the project once links are resolved.
 *
 * @example
 *   assertInsideProject(projectDir, path.resolve(projectDir, rel), 'bentofile.yaml: /description', rel);
 */
export function assertInsideProject(projectDir: string, file: string, where: string, shown = file): void {
  if (!isInsideProject(projectDir, file)) {
    throw new BentoError('BAD_CONFIG', `${where}: ${shown} is outside the project folder ${projectDir} (a build reads nothing outside it)`, [
      { path: shown, message: 'outside the project folder' },
    ]);
  }
}

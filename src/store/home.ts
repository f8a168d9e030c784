/**
 * Where the stores live: `$BENTO_HOME/models` and `$BENTO_HOME/bentos`, BENTO_HOME defaulting to the
 * current folder (the project). Read on every call so tests and the CLI can change it at run time.
 */
import path from 'node:path';

/** `process.env.BENTO_HOME || process.cwd()`, absolute. */
export function bentoHome(): string {
  return path.resolve(process.env.BENTO_HOME || process.cwd());
}

/** `$BENTO_HOME/models`. */
export function modelsRoot(): string {
  return path.join(bentoHome(), 'models');
}

/** `$BENTO_HOME/bentos`. */
export function bentosRoot(): string {
  return path.join(bentoHome(), 'bentos');
}

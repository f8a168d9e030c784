// Runs Debian's /usr/bin/python3 (with python3-sklearn / numpy) as a reference implementation.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PYTHON = '/usr/bin/python3';
export const SEED_DATA = fileURLToPath(new URL('../../../shared/seed-data/DATA.csv', import.meta.url));
export const PROJECT_DATA = fileURLToPath(new URL('../../data/01_raw/DATA.csv', import.meta.url));
export const PARAMS = fileURLToPath(new URL('../../conf/base/parameters.yml', import.meta.url));
/** The activities project's data catalog (columns, target, features, cleaning rules). */
export const CATALOG = fileURLToPath(new URL('../../conf/base/catalog.yml', import.meta.url));

let available: string | undefined | null = null;

/** Why scikit-learn cannot be used here, or undefined when it can. */
export function sklearnMissing(): string | undefined {
  if (available !== null) return available;
  if (!existsSync(PYTHON)) available = `${PYTHON} not found`;
  else {
    const r = spawnSync(PYTHON, ['-c', 'import sklearn, numpy, pandas'], { encoding: 'utf8' });
    available = r.status === 0 ? undefined : `${PYTHON} has no scikit-learn/numpy/pandas`;
  }
  return available;
}

/** Runs a Python snippet and parses the JSON it prints. */
export function python<T>(code: string, ...args: string[]): T {
  const out = execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}

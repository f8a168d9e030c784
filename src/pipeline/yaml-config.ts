/**
 * Reading the project's YAML conf files (`conf/base/*.yml`): one place for "file not found", invalid
 * YAML and the BAD_CONFIG error that names `file:line` and the dotted key, so every conf file reports
 * mistakes the same way.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { BentoError } from '../errors.js';

/** Throws BAD_CONFIG for the key at `path` (`["grid", "max_depth", "0"]`), naming file, line and key. */
export type Fail = (path: string[], message: string) => never;

export interface ConfigDocument {
  /** The document as plain data. */
  root: unknown;
  fail: Fail;
}

/** Reads a conf file; FILE_NOT_FOUND names it as `what` ("parameters", "catalog"). */
export async function readConfigFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new BentoError('FILE_NOT_FOUND', `${what} file not found: ${file}`, [{ path: file, message: 'not found' }]);
    throw err;
  }
}

/** Parses conf text (`file` names it in errors); invalid YAML or a duplicate key is BAD_CONFIG with its line. */
export function parseConfig(text: string, file: string): ConfigDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    throw new BentoError('BAD_CONFIG', `${file}${line ? `:${line}` : ''}: invalid YAML: ${e.message.split('\n')[0]}`, [{ path: file, message: e.message }]);
  }
  const where = (path: string[]): string => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    return `${file}${line ? `:${line}` : ''}`;
  };
  const fail: Fail = (path, message) => {
    const key = path.join('.');
    throw new BentoError('BAD_CONFIG', `${where(path)}: "${key}" ${message}`, [{ path: `${file}#${key}`, message }]);
  };
  return { root: doc.toJS(), fail };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Fails on the first key of `obj` that is not `allowed`, naming the keys that are. */
export function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string[], fail: Fail): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) fail([...path, k], `is not a known key (expected one of: ${allowed.join(', ')})`);
}

/** Reading one version's info file on its own, synchronously (the runtime reads its bento's at start-up). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BentoError, type ErrorCode } from '../errors.js';

/**
 * Reads `<dir>/<infoFile>` and hands its text to `parse`; a folder without one is FILE_NOT_FOUND
 * ("<dir> is not a <kind>").
 */
export function readInfoFileSync<Info>(dir: string, infoFile: string, kind: string, parse: (text: string, file: string) => Info): Info {
  const file = path.join(dir, infoFile);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `${dir} is not a ${kind}: it has no ${infoFile}`);
    throw err;
  }
  return parse(text, file);
}

/** A parsed YAML mapping (not null, not a list). */
export function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Parses an info file's YAML text; invalid YAML is a `code` error naming `file` and the parser's first line. */
export function parseInfoYaml(text: string, file: string, code: ErrorCode): unknown {
  try {
    return YAML.parse(text);
  } catch (err) {
    throw new BentoError(code, `${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

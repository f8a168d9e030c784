/**
 * bentofile.yaml as written → validated. Validation uses the JSON Schema the project publishes for editors
 * (`schema/bentofile.schema.json`), so the editor and `bento build` agree on what a bentofile may say.
 * Every error names the file and the key, e.g. `bentofile.yaml: /docker/base_imag: unknown key`.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { BentoError, type ErrorDetail } from '../errors.js';

/** A model entry as written: a tag, or a tag bound to an alias of the service's models. */
export type BentofileModel = string | { tag: string; alias?: string };

/** bentofile.yaml as written (after validation against the schema). */
export interface BentofileConfig {
  service: string;
  name?: string;
  description?: string;
  labels?: Record<string, string>;
  include?: string[];
  exclude?: string[];
  models?: BentofileModel[];
  docker?: { base_image?: string; env?: Record<string, string> | string[]; system_packages?: string[] };
  envs?: Array<{ name: string; value: string }>;
}

/** Where the published schema lives (top of the framework). */
const BENTOFILE_SCHEMA_PATH = new URL('../../schema/bentofile.schema.json', import.meta.url);

let validator: ValidateFunction | undefined;

function getValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(BENTOFILE_SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    // Union types (`string | object`) keep the schema's errors specific; anyOf would report every branch.
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** A file name as the user would write it: relative to the current folder when inside it. */
export function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Plain words for the schema's patterns (ajv would print the regular expression). */
const PATTERN_HINTS: Record<string, string> = {
  '/properties/service/pattern': 'must look like "service.ts:svc" (a .ts/.js file and an optional export name)',
  '/properties/name/pattern': 'must be lowercase letters, digits, ".", "_" or "-"',
  '/properties/docker/properties/env/items/pattern': 'must look like KEY=value, on one line',
  '/properties/labels/additionalProperties/pattern': 'must be one line (no newline, carriage return or NUL)',
  '/properties/docker/properties/base_image/pattern': 'must be one line (no newline, carriage return or NUL)',
  '/properties/docker/properties/env/additionalProperties/pattern': 'must be one line (no newline, carriage return or NUL)',
  '/properties/envs/items/properties/value/pattern': 'must be one line (no newline, carriage return or NUL)',
  '/properties/docker/properties/system_packages/items/pattern': 'must be a Debian package name',
  '/properties/envs/items/properties/name/pattern': 'must be an environment variable name',
};

function describe(e: ErrorObject): ErrorDetail {
  const at = e.instancePath || '';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return { path: `${at}/${String(p.additionalProperty)}`, message: 'unknown key' };
    case 'required':
      return { path: `${at}/${String(p.missingProperty)}`, message: 'is required' };
    case 'propertyNames':
      return { path: `${at}/${String(p.propertyName)}`, message: 'is not a valid key name' };
    case 'pattern':
      return { path: at || '/', message: PATTERN_HINTS[e.schemaPath.replace(/^#/, '')] ?? e.message ?? 'is not valid' };
    case 'type':
      return { path: at || '/', message: `must be ${String(p.type).replace(',', ' or ')}` };
    default:
      return { path: at || '/', message: e.message ?? e.keyword };
  }
}

/**
 * Checks parsed YAML against the bentofile schema. `label` names the file in errors.
 * Throws BAD_CONFIG listing every problem; the message carries the first one.
 */
export function validateBentofile(data: unknown, label = 'bentofile.yaml'): BentofileConfig {
  const validate = getValidator();
  if (validate(data)) return data as BentofileConfig;
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  for (const e of validate.errors ?? []) {
    // propertyNames also reports the inner pattern failure; keep the one that names the key.
    if (e.propertyName !== undefined && e.keyword !== 'propertyNames') continue;
    const d = describe(e);
    const key = `${d.path}\0${d.message}`;
    if (!seen.has(key)) seen.add(key), details.push(d);
  }
  const first = details[0] ?? { path: '/', message: 'is not valid' };
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  throw new BentoError('BAD_CONFIG', `${label}: ${first.path}: ${first.message}${more}`, details);
}

/** Parses YAML text (duplicate keys and syntax errors are BAD_CONFIG with the line) and validates it. */
export function parseBentofile(text: string, label = 'bentofile.yaml'): BentofileConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0]!;
    const line = err.linePos?.[0].line;
    throw new BentoError('BAD_CONFIG', `${label}: ${line ? `line ${line}: ` : ''}${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return validateBentofile(doc.toJS(), label);
}

/** What a project without a bentofile.yaml serves: `service.ts`'s `svc` (as `bento serve .` reads one). */
export const NO_BENTOFILE: Readonly<BentofileConfig> = Object.freeze({ service: 'service.ts:svc' });

/** Reads and validates a bentofile from disk. */
export async function readBentofile(file: string): Promise<BentofileConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BentoError('FILE_NOT_FOUND', `no bentofile at ${displayPath(file)} (use -f FILE or --project DIR)`);
    }
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new BentoError('BAD_ARGUMENT', `${displayPath(file)} is a folder, not a bentofile (use --project DIR for a project folder)`);
    }
    throw err;
  }
  return parseBentofile(text, displayPath(file));
}

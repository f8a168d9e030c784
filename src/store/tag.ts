/**
 * Tags: `name:version`. `name` alone and `name:latest` mean the newest version; a unique version prefix
 * resolves too (that part lives in the Store, which knows the versions).
 */
import { randomInt } from 'node:crypto';
import { BentoError } from '../errors.js';

export const NAME_RE = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
export const VERSION_RE = /^[a-z0-9][a-z0-9._-]*$/;
/** Longest name or version: each becomes a folder name (the file system stops at 255 bytes). */
export const MAX_TAG_PART = 128;

export interface Tag {
  name: string;
  /** Undefined when the tag names no version or says `latest`. */
  version?: string;
}

/**
 * Parses `name[:version]`; `latest` comes back as no version.
 *
 * @example
 *   parseTag('houses_regressor:latest') // { name: 'houses_regressor' }
 *   parseTag('houses_regressor:01hx')   // { name: 'houses_regressor', version: '01hx' }
 */
export function parseTag(s: string): Tag {
  if (s.length > 2 * MAX_TAG_PART + 1) throw badTag(`${s.slice(0, 40)}…`, `a name and a version are at most ${MAX_TAG_PART} characters each`);
  const parts = s.split(':');
  if (parts.length > 2) throw badTag(s, 'a tag has at most one ":" (name:version)');
  const [name = '', version] = parts;
  if (name.length > MAX_TAG_PART || (version?.length ?? 0) > MAX_TAG_PART) throw badTag(`${s.slice(0, 40)}…`, `a name and a version are at most ${MAX_TAG_PART} characters each`);
  if (!NAME_RE.test(name)) {
    throw badTag(s, 'the name must be lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit');
  }
  if (version === undefined || version === 'latest') return { name };
  if (!VERSION_RE.test(version)) {
    throw badTag(s, 'the version must be lowercase letters, digits, ".", "_" or "-", starting with a letter or digit');
  }
  return { name, version };
}

/**
 * Parses an exact tag `name:version` (as stored in bento.yaml): BAD_TAG when the version is missing or `latest`.
 *
 * @example
 *   splitExactTag('houses_regressor:01hx') // { name: 'houses_regressor', version: '01hx' }
 */
export function splitExactTag(s: string): Required<Tag> {
  const { name, version } = parseTag(s);
  if (version === undefined) throw badTag(s, 'an exact tag names its version (name:version)');
  return { name, version };
}

function badTag(s: string, why: string): BentoError {
  return new BentoError('BAD_TAG', `invalid tag "${s}": ${why}`);
}

/** `name:version`. */
export function formatTag(name: string, version: string): string {
  return `${name}:${version}`;
}

// Crockford's base32 in lower case: its characters are in ASCII order, so strings sort like the numbers.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
let lastMs = 0;

/**
 * A new version string: 16 lowercase characters, 9 of base32 milliseconds then 7 random, so versions
 * sort by creation time. Within one process, versions are strictly increasing even within a millisecond.
 */
export function newVersion(): string {
  // Never go backwards within a process (same millisecond or a clock step back).
  const ms = Math.max(Date.now(), lastMs + 1);
  lastMs = ms;
  let time = '';
  let n = ms;
  for (let i = 0; i < 9; i++) {
    time = ALPHABET[n % 32]! + time;
    n = Math.floor(n / 32);
  }
  let rand = '';
  for (let i = 0; i < 7; i++) rand += ALPHABET[randomInt(32)]!;
  return time + rand;
}

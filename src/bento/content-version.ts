/**
 * A bento's version is a digest of its content: bento.yaml without version and creation time, whose `files`
 * holds the digest of every file. The one file left out is `apis/openapi.yaml`, which names the version
 * and so is written after it. Built here for the builder, checked here on import: an archive whose
 * content does not give its claimed version is not the bento it says it is.
 */
import { createHash } from 'node:crypto';
import { BentoError } from '../errors.js';
import { canonicalJson } from '../store/canonical-json.js';
import type { BentoInfo } from './bento-info.js';

/** The file written after the version is known (it names it): not part of the content digest. */
export const OPENAPI_FILE = 'apis/openapi.yaml';

/** A content-derived version: 16 lowercase hex characters. `--version` may not take this shape. */
export const CONTENT_VERSION_RE = /^[0-9a-f]{16}$/;

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export { canonicalJson };

/** 16 hex chars of the digest of a bento's content (everything but version, creation time and the OpenAPI file). */
export function contentVersion(info: Omit<BentoInfo, 'version' | 'creation_time'> & Partial<BentoInfo>): string {
  const { version: _v, creation_time: _t, files, ...rest } = info;
  const { [OPENAPI_FILE]: _o, ...content } = files;
  return sha256(canonicalJson({ ...rest, files: content })).slice(0, 16);
}

/** Same bento content, whatever the creation time. */
export function sameBentoContent(a: BentoInfo, b: BentoInfo): boolean {
  const strip = ({ creation_time: _t, ...rest }: BentoInfo): Omit<BentoInfo, 'creation_time'> => rest;
  return canonicalJson(strip(a)) === canonicalJson(strip(b));
}

/**
 * Checks that a content-shaped version is the digest of the content. Versions of another shape were
 * given with `--version` (the builder refuses a content-shaped one that is not the digest).
 * Throws BAD_ARCHIVE naming `label`.
 */
export function checkContentVersion(info: BentoInfo, label: string): void {
  if (!CONTENT_VERSION_RE.test(info.version)) return;
  const derived = contentVersion(info);
  if (derived !== info.version) {
    throw new BentoError(
      'BAD_ARCHIVE',
      `${label}: its content gives version ${derived}, not the ${info.version} it claims (bento.yaml was changed after the build); nothing was imported`,
    );
  }
}

/**
 * Image references as docker, podman and buildah accept them for `--tag`:
 * `[host[:port]/]path[:tag]`, path components lowercase (`houses_model`, `team/app`), tag ≤ 128 chars.
 */
import { BentoError } from '../errors.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+|[A-Za-z0-9-]+)(?::[0-9]+)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Throws BAD_ARGUMENT naming the reference when it is not a valid image tag. */
export function checkImageTag(ref: string): void {
  const bad = (why: string) => new BentoError('BAD_ARGUMENT', `image tag "${ref}" is not valid: ${why}`);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  const name = colon > slash ? ref.slice(0, colon) : ref;
  const tag = colon > slash ? ref.slice(colon + 1) : undefined;
  if (tag !== undefined && !TAG.test(tag)) throw bad(`"${tag}" is not a tag (letters, digits, "_", "." or "-", at most 128)`);
  const parts = name.split('/');
  // The first component is a registry host when it looks like one (has "." or ":" or is localhost).
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0]!)) {
    if (!HOST.test(parts.shift()!)) throw bad('bad registry host');
  }
  for (const part of parts) {
    if (!COMPONENT.test(part)) throw bad(`"${part}" must be lowercase letters and digits, separated by ".", "_", "__" or "-"`);
  }
  if (ref.length > 255) throw bad('longer than 255 characters');
}

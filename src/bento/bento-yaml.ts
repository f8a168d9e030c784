/**
 * The one reader and writer of `bento.yaml`. Every reading (the bento store, import, containerize, the CLI
 * and the runtime, which gets this module in its bundle) goes through `checkBentoInfo`, with the same
 * strictness and the same error code: BAD_ARCHIVE naming the field (API and traffic settings are checked
 * by the SDK's own functions, so a bad value there is the BAD_CONFIG that `service()` would give).
 * The builder writes bento.yaml through `stringifyBentoInfo`, which checks before it writes.
 */
import path from 'node:path';
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { resolveApiSettings, resolveTraffic } from '../sdk/index.js';
import { isInsidePath, verifyTree } from '../store/digest.js';
import { isMap, parseInfoYaml, readInfoFileSync } from '../store/info-file.js';
import { treeFingerprint, verifyTreeSync, type Scope } from '../store/verify-sync.js';
import type { InfoCodec } from '../store/store.js';
import { MAX_TAG_PART, NAME_RE, splitExactTag, VERSION_RE } from '../store/tag.js';
import { BENTO_INFO_FILE, type BentoInfo } from './bento-info.js';

const HEX64 = /^[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

type Bad = (field: string, why: string) => BentoError;


// Values that end up on one line of a Dockerfile or an environment: a newline there would start another instruction.
const ONE_LINE = /^[^\n\r\0]*$/;

function stringMap(x: unknown, field: string, bad: Bad): void {
  if (!isMap(x)) throw bad(field, 'is missing or not a mapping');
  for (const [k, v] of Object.entries(x)) {
    if (typeof v !== 'string') throw bad(`${field}/${k}`, 'is not a string');
    if (!ONE_LINE.test(v) || !ONE_LINE.test(k)) throw bad(`${field}/${k}`, 'is not one line (it has a newline, carriage return or NUL)');
  }
}

/** The files bento.yaml points at must be files the bento has (so listed, so digest-checked). */
function checkPaths(d: Record<string, unknown>, files: Record<string, unknown>, bad: Bad): void {
  const runtime = d.runtime as Record<string, unknown>;
  if (!(String(runtime.entry) in files)) throw bad('runtime/entry', `names "${String(runtime.entry)}", which is not one of the bento's files`);
  for (const [i, m] of (d.models as Array<{ tag: string; digest: string }>).entries()) {
    const { name, version } = splitExactTag(m.tag);
    const onnx = files[`models/${name}/${version}/model.onnx`];
    if (typeof onnx !== 'string') throw bad(`models/${i}`, `model ${m.tag} is not inside the bento (no models/${name}/${version}/model.onnx)`);
    if (m.digest !== `sha256:${onnx}`) throw bad(`models/${i}/digest`, `${m.digest} is not the digest of its model.onnx`);
    if (!(`models/${name}/${version}/model.yaml` in files)) throw bad(`models/${i}`, `model ${m.tag} has no model.yaml`);
  }
}

function checkModels(x: unknown, bad: Bad): Set<string> {
  if (!Array.isArray(x)) throw bad('models', 'is missing');
  const aliases = new Set<string>();
  for (const [i, m] of x.entries()) {
    if (!isMap(m) || typeof m.alias !== 'string' || typeof m.tag !== 'string' || typeof m.digest !== 'string') {
      throw bad(`models/${i}`, 'needs alias, tag (name:version) and digest');
    }
    try {
      splitExactTag(m.tag);
    } catch {
      throw bad(`models/${i}/tag`, 'is not a valid model tag');
    }
    if (!DIGEST.test(m.digest)) throw bad(`models/${i}/digest`, 'is not sha256:<hex>');
    aliases.add(m.alias);
  }
  return aliases;
}

function checkApis(x: unknown, aliases: Set<string>, label: string, bad: Bad): void {
  if (!Array.isArray(x)) throw bad('apis', 'is missing');
  for (const [i, a] of x.entries()) {
    const at = `apis/${i}`;
    if (!isMap(a) || typeof a.name !== 'string') throw bad(at, 'needs a name');
    if (typeof a.route !== 'string' || !a.route.startsWith('/')) throw bad(`${at}/route`, 'is missing or does not start with "/"');
    if (!isMap(a.input) || !isMap(a.output)) throw bad(at, 'needs input and output JSON Schemas');
    if (typeof a.model !== 'string' || !aliases.has(a.model)) throw bad(`${at}/model`, 'is not the alias of one of the bento\'s models');
    if (a.doc !== undefined && typeof a.doc !== 'string') throw bad(`${at}/doc`, 'is not a string');
    for (const key of ['batchable', 'max_batch_size', 'max_latency_ms'] as const) if (!(key in a)) throw bad(`${at}/${key}`, 'is missing');
    resolveApiSettings(a, `${label}: api "${a.name}"`);
  }
}

/**
 * Checks parsed bento.yaml data; `label` names its origin in errors. Throws BAD_ARCHIVE naming the field.
 * Name and version are checked strictly: they become folder names in the store.
 */
export function checkBentoInfo(data: unknown, label: string): BentoInfo {
  const bad: Bad = (field, why) => new BentoError('BAD_ARCHIVE', `${label}: ${field} ${why}`, [{ path: `/${field}`, message: why }]);
  if (!isMap(data)) throw bad('', 'is not a mapping');
  const d = data;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name) || d.name.length > MAX_TAG_PART) throw bad('name', 'is missing or not a valid bento name');
  if (typeof d.version !== 'string' || !VERSION_RE.test(d.version) || d.version === 'latest' || d.version.length > MAX_TAG_PART) throw bad('version', 'is missing or not a valid version');
  if (typeof d.creation_time !== 'string') throw bad('creation_time', 'is missing');
  if (typeof d.description !== 'string') throw bad('description', 'is missing');
  stringMap(d.labels, 'labels', bad);
  if (typeof d.service !== 'string') throw bad('service', 'is missing');
  if (!isMap(d.files)) throw bad('files', 'is missing');
  for (const [rel, digest] of Object.entries(d.files)) {
    if (!isInsidePath(rel)) throw bad(`files/${rel}`, 'is not a relative path inside the bento');
    if (typeof digest !== 'string' || !HEX64.test(digest)) throw bad(`files/${rel}`, 'is not a sha256 digest');
  }
  const aliases = checkModels(d.models, bad);
  checkApis(d.apis, aliases, label, bad);
  if (!isMap(d.traffic) || !('timeout' in d.traffic) || !('max_concurrency' in d.traffic)) throw bad('traffic', 'needs timeout and max_concurrency');
  resolveTraffic(d.traffic, label);
  if (!Array.isArray(d.envs) || !d.envs.every((e) => isMap(e) && typeof e.name === 'string' && typeof e.value === 'string')) {
    throw bad('envs', 'is not a list of {name, value} strings');
  }
  for (const [i, e] of (d.envs as Array<{ name: string; value: string }>).entries()) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.name)) throw bad(`envs/${i}/name`, 'is not an environment variable name');
    if (!ONE_LINE.test(e.value)) throw bad(`envs/${i}/value`, 'is not one line (it has a newline, carriage return or NUL)');
  }
  if (!isMap(d.docker) || typeof d.docker.base_image !== 'string') throw bad('docker', 'needs base_image');
  if (!d.docker.base_image || !ONE_LINE.test(d.docker.base_image)) throw bad('docker/base_image', 'is empty or not one line');
  stringMap(d.docker.env, 'docker/env', bad);
  if (!Array.isArray(d.docker.system_packages) || !d.docker.system_packages.every((p) => typeof p === 'string')) {
    throw bad('docker/system_packages', 'is not a list of package names');
  }
  if (!isMap(d.runtime)) throw bad('runtime', 'is missing');
  if (typeof d.runtime.node !== 'string' || typeof d.runtime.onnxruntime_node !== 'string') throw bad('runtime', 'needs node and onnxruntime_node versions');
  if (typeof d.runtime.entry !== 'string' || !isInsidePath(d.runtime.entry)) throw bad('runtime/entry', 'is not a relative path inside the bento');
  checkPaths(d, d.files, bad);
  return d as unknown as BentoInfo;
}

/** Parses bento.yaml text (`file` names it in errors) and checks it. */
export function parseBentoInfo(text: string, file: string): BentoInfo {
  return checkBentoInfo(parseInfoYaml(text, file, 'BAD_ARCHIVE'), file);
}

/**
 * bento.yaml text for `info`, checked first: the builder cannot write what the reader would refuse.
 * Written as plain data (no YAML anchors for objects the service code shares), long lines whole.
 */
export function stringifyBentoInfo(info: BentoInfo): string {
  const plain = JSON.parse(JSON.stringify(info)) as unknown;
  checkBentoInfo(plain, `${BENTO_INFO_FILE} of ${info.name}:${info.version}`);
  return YAML.stringify(plain, { lineWidth: 0 });
}

/** The bento store's codec for bento.yaml. */
export const bentoInfoCodec: InfoCodec<BentoInfo> = { parse: parseBentoInfo, stringify: stringifyBentoInfo };

/**
 * Reads `<dir>/bento.yaml`, checked (synchronously: the runtime calls it at start-up).
 * A folder without one is FILE_NOT_FOUND.
 *
 * @example
 *   const info = loadBentoInfo(path.resolve(__dirname, '..'));
 */
export function loadBentoInfo(dir: string): BentoInfo {
  return readInfoFileSync(dir, BENTO_INFO_FILE, 'bento', parseBentoInfo);
}

/**
 * The environment variable through which a verified bento's fingerprint passes to the processes started
 * after the check (`bento serve`'s child, cluster workers): they re-hash only when a file changed since.
 */
export const VERIFIED_ENV = 'BENTO_VERIFIED_FINGERPRINT';

/**
 * What a check covers: `all` (the default: every file, and no other file anywhere) or `runtime`, what a
 * serving process reads (its entry, `models/`, `env/node_modules/`), for an image that carries only those.
 */
export type VerifyScope = 'all' | 'runtime';

function runtimeScope(info: BentoInfo): Scope {
  const entry = info.runtime.entry;
  const prefixes = ['models/', 'env/node_modules/'];
  return (rel, dir) =>
    dir ? entry.startsWith(`${rel}/`) || prefixes.some((p) => p.startsWith(`${rel}/`) || rel.startsWith(p)) : rel === entry || prefixes.some((p) => rel.startsWith(p));
}

/**
 * Reads bento.yaml and checks every file of the bento against its digest, and that no other file is there:
 * a bento changed after it was built is BENTO_CHANGED naming the file. Synchronous, so a bento's entry runs
 * it before anything else. onnxruntime's 45 MB are hashed once and then found in the digest cache (keyed by
 * inode, size, mtime and ctime: see store/digest-cache.ts); a process started right after a check with the
 * same fingerprint (see VERIFIED_ENV) only stats the files.
 *
 * @example
 *   const info = verifyBentoSync(bentoDir); // BENTO_CHANGED: bento x:1 (…): "model.onnx" was changed after …
 */
export function verifyBentoSync(dir: string, scope: VerifyScope = 'all'): BentoInfo {
  const text = readInfoFileSync(dir, BENTO_INFO_FILE, 'bento', (t) => t);
  const info = parseBentoInfo(text, path.join(dir, BENTO_INFO_FILE));
  const within = scope === 'runtime' ? runtimeScope(info) : undefined;
  const fingerprint = `${scope}:${treeFingerprint(dir, text, [BENTO_INFO_FILE], within)}`;
  // Any scope passed on covers the runtime's; a full check is only skipped after a full check.
  const passed = process.env[VERIFIED_ENV];
  if (passed === fingerprint || (scope === 'runtime' && passed?.startsWith('all:') && passed === `all:${treeFingerprint(dir, text, [BENTO_INFO_FILE])}`)) return info;
  verifyTreeSync(dir, info.files, [BENTO_INFO_FILE], `bento ${info.name}:${info.version} (${dir})`, 'BENTO_CHANGED', within);
  process.env[VERIFIED_ENV] = fingerprint;
  return info;
}

/** Reads bento.yaml and checks every file against its digest (and that no other file is there). */
export async function verifyBento(dir: string): Promise<BentoInfo> {
  const info = loadBentoInfo(dir);
  await verifyTree(dir, info.files, { exclude: [BENTO_INFO_FILE] });
  return info;
}

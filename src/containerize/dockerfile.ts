/**
 * Renders the runtime Dockerfile of a bento from the template (the top-level `Dockerfile`, copied into each
 * bento as `env/docker/Dockerfile`). Pure: template text + bento facts + options in, Dockerfile text out.
 *
 * The template marks the parts that depend on the bento with comment lines
 * `# >>> bento:NAME` … `# <<< bento:NAME`; rendering replaces what is between them and keeps the markers,
 * so the template builds as is and rendering twice gives the same text.
 *
 * @example
 *   const text = renderDockerfile(template, info, { baseImage: 'node:20-bookworm' });
 */
import { DEFAULT_PORT, PORT_ENV_VARS } from '../bento/port.js';
import { DEFAULT_BASE_IMAGE } from '../bento/bento-info.js';
import { BentoError } from '../errors.js';


/** The sections every template must have, in the order they appear. */
export const TEMPLATE_SECTIONS = ['base', 'system_packages', 'env', 'port', 'labels'] as const;
export type TemplateSection = (typeof TEMPLATE_SECTIONS)[number];

type Scalar = string | number | boolean;

/** The bento.yaml fields the image depends on (a subset of BentoInfo). */
export interface DockerfileBento {
  name: string;
  version: string;
  description?: string;
  labels?: Record<string, Scalar>;
  envs?: Array<{ name: string; value?: Scalar | null }>;
  docker?: {
    base_image?: string | null;
    env?: Record<string, Scalar> | Array<{ name: string; value?: Scalar | null }> | null;
    system_packages?: string[] | null;
  };
}

export interface DockerfileOptions {
  /** Overrides `docker.base_image` (the CLI's --base-image). */
  baseImage?: string;
  /** Where the template came from, for error messages. */
  templateName?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Debian and Alpine package names, optionally pinned: `libgomp1`, `ca-certificates=20230311`.
const PACKAGE = /^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~_-]+)?$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
// An image reference: [registry[:port]/]path[:tag][@digest], no spaces or quotes.
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:]*(@sha256:[a-f0-9]{64})?$/;

function configError(path: string, message: string): BentoError {
  return new BentoError('BAD_CONFIG', `bento.yaml ${path}: ${message}`, [{ path, message }]);
}

/** A Dockerfile double-quoted word: backslash, quote and `$` (variable expansion) escaped; no newlines. */
export function quote(value: string, path: string): string {
  if (/[\r\n]/.test(value)) throw configError(path, 'must be on one line');
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** `envs` then `docker.env` (the latter wins), as [name, value] pairs in a stable order. */
function imageEnv(bento: DockerfileBento): Array<[string, string]> {
  const env = new Map<string, string>();
  const add = (name: string, value: Scalar | null | undefined, path: string) => {
    if (!ENV_NAME.test(name)) throw configError(path, `"${name}" is not a valid environment variable name`);
    env.set(name, value == null ? '' : String(value));
  };
  (bento.envs ?? []).forEach((e, i) => add(e.name, e.value, `envs[${i}]`));
  const dockerEnv = bento.docker?.env;
  if (Array.isArray(dockerEnv)) dockerEnv.forEach((e, i) => add(e.name, e.value, `docker.env[${i}]`));
  else if (dockerEnv) for (const [k, v] of Object.entries(dockerEnv)) add(k, v, `docker.env.${k}`);
  return [...env];
}

/** The port the image serves on: BENTOML_PORT, else PORT, from the image's environment, else 3000. */
export function imagePort(bento: DockerfileBento): number {
  const env = new Map(imageEnv(bento));
  for (const key of PORT_ENV_VARS) {
    const raw = env.get(key);
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw configError(`docker.env.${key}`, `"${raw}" is not a port number`);
    return port;
  }
  return DEFAULT_PORT;
}

/** The base image: the option, else `docker.base_image`, else node:20-bookworm-slim. */
export function baseImage(bento: DockerfileBento, options: DockerfileOptions = {}): string {
  const image = options.baseImage ?? bento.docker?.base_image ?? DEFAULT_BASE_IMAGE;
  if (!IMAGE_REF.test(image)) {
    if (options.baseImage !== undefined) throw new BentoError('BAD_ARGUMENT', `--base-image "${image}" is not an image reference`);
    throw configError('docker.base_image', `"${image}" is not an image reference`);
  }
  return image;
}

/**
 * The labels a bento always gives its image: OCI title, version and description, then the bento's own
 * labels (which may override them). Build-time labels (created, revision, --label) are added by the build.
 */
function bentoLabels(bento: DockerfileBento): Record<string, string> {
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': bento.name,
    'org.opencontainers.image.version': bento.version,
  };
  if (bento.description) labels['org.opencontainers.image.description'] = bento.description.trim().split('\n')[0]!;
  for (const [k, v] of Object.entries(bento.labels ?? {})) labels[k] = String(v);
  return labels;
}

/** Throws BAD_ARGUMENT / BAD_CONFIG naming a label key that images cannot carry. */
export function checkLabelKey(key: string, path: string): void {
  if (!LABEL_KEY.test(key)) throw new BentoError('BAD_ARGUMENT', `${path}: "${key}" is not a valid label key`);
}

function systemPackagesSection(packages: string[]): string[] {
  if (packages.length === 0) return [];
  packages.forEach((p, i) => {
    if (!PACKAGE.test(p)) throw configError(`docker.system_packages[${i}]`, `"${p}" is not a package name`);
  });
  const list = packages.join(' ');
  // The base's own package manager: apt on Debian/Ubuntu bases, apk on Alpine ones.
  return [
    'RUN if command -v apt-get >/dev/null 2>&1; then \\',
    `      apt-get update && apt-get install -y --no-install-recommends ${list} && rm -rf /var/lib/apt/lists/*; \\`,
    '    elif command -v apk >/dev/null 2>&1; then \\',
    `      apk add --no-cache ${list}; \\`,
    "    else echo 'docker.system_packages: the base image has neither apt-get nor apk' >&2; exit 1; fi",
  ];
}

function renderSections(bento: DockerfileBento, options: DockerfileOptions): Record<TemplateSection, string[]> {
  const env = imageEnv(bento);
  const labels = bentoLabels(bento);
  for (const key of Object.keys(bento.labels ?? {})) checkLabelKey(key, `bento.yaml labels`);
  return {
    base: [`ARG BASE_IMAGE=${baseImage(bento, options)}`],
    system_packages: systemPackagesSection(bento.docker?.system_packages ?? []),
    env: env.length ? ['ENV ' + env.map(([k, v]) => `${k}=${quote(v, `docker.env.${k}`)}`).join(' \\\n    ')] : [],
    port: [`EXPOSE ${imagePort(bento)}`],
    labels: ['LABEL ' + Object.entries(labels).map(([k, v]) => `${quote(k, 'labels')}=${quote(v, `labels.${k}`)}`).join(' \\\n      ')],
  };
}

/** Replaces each marked section of `template` with the bento's rendering of it. */
export function renderDockerfile(template: string, bento: DockerfileBento, options: DockerfileOptions = {}): string {
  const where = options.templateName ?? 'Dockerfile template';
  const sections = renderSections(bento, options);
  let text = template.replace(/\r\n/g, '\n');
  for (const name of TEMPLATE_SECTIONS) {
    const open = `# >>> bento:${name}\n`;
    const close = `# <<< bento:${name}`;
    const start = text.indexOf(open);
    const end = start < 0 ? -1 : text.indexOf(`\n${close}`, start + open.length - 1);
    if (start < 0 || end < 0) {
      throw new BentoError('BAD_CONFIG', `${where} has no "${open.trim()}" … "${close}" section`);
    }
    const body = sections[name].map((line) => line + '\n').join('');
    text = text.slice(0, start) + open + body + text.slice(end + 1);
  }
  return text;
}

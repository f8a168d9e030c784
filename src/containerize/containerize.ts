/**
 * `bento containerize`: a bento (tag or folder) → an OCI image built by docker, podman or buildah.
 * The build context is the bento folder as stored; the rendered Dockerfile is written to a temporary folder
 * and passed with `--file`, so the store is never written to. With no backend available, a self-contained
 * build context (the bento plus its rendered `Dockerfile`) is written to `$BENTO_HOME/containerize/<name>-<version>/`
 * and the error says how to build it elsewhere.
 *
 * @example
 *   const { tags } = await containerize({ bento: 'houses_model:latest', backend: 'podman' });
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { BENTO_DOCKERFILE } from '../bento/bento-info.js';
import { FRAMEWORK_DOCKERFILE } from '../bento/dockerfile-template.js';
import { locateBento } from '../bento/locate.js';
import { bentoHome } from '../store/home.js';
import { createBackend, detectBackend, type Backend, type BackendName, type BuildOptions } from './backends.js';
import { checkLabelKey, renderDockerfile } from './dockerfile.js';
import { checkImageTag } from './image-tag.js';

export interface ContainerizeOptions {
  /** A bento tag (`name`, `name:version`, `name:latest`, a version prefix) or a bento folder. */
  bento: string;
  /** Image references; default `<bento name>:<bento version>`. */
  tags?: string[];
  /** Default: detected (docker when its engine answers, else podman, else buildah). */
  backend?: BackendName;
  buildArgs?: Record<string, string>;
  /** The user's labels; they override the bento's and the OCI ones. */
  labels?: Record<string, string>;
  /** Overrides the bento's `docker.base_image`. */
  baseImage?: string;
  /** The `org.opencontainers.image.revision` label; default: `git rev-parse HEAD` in the current folder, when it answers. */
  revision?: string | null;
  /** Build time for `org.opencontainers.image.created`; default now. */
  now?: Date;
  /** Environment of the backend's processes; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The backend's output as it comes. */
  onOutput?: BuildOptions['onOutput'];
}

export interface ContainerizeResult {
  backend: BackendName;
  tags: string[];
  imageId?: string;
  /** The bento that was built. */
  bento: { name: string; version: string; dir: string };
  /** The rendered Dockerfile. */
  dockerfile: string;
}


/** The bento's own copy of the template, else the project's top-level Dockerfile. */
async function loadTemplate(bentoDir: string): Promise<{ text: string; file: string }> {
  for (const file of [path.join(bentoDir, BENTO_DOCKERFILE), FRAMEWORK_DOCKERFILE]) {
    try {
      return { text: await fs.readFile(file, 'utf8'), file };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new BentoError('FILE_NOT_FOUND', `no Dockerfile template: neither ${path.join(bentoDir, BENTO_DOCKERFILE)} nor ${FRAMEWORK_DOCKERFILE}`);
}

/** `git rev-parse HEAD` in `cwd`, or undefined when that is not a git checkout (or git is missing). */
export function gitRevision(cwd = process.cwd()): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5000 }, (err, stdout) => {
      const rev = String(stdout ?? '').trim();
      resolve(!err && /^[0-9a-f]{40,64}$/.test(rev) ? rev : undefined);
    });
  });
}

/** Labels added at build time: created and revision, then the user's (which win). */
function buildLabels(opts: { now: Date; revision?: string; user?: Record<string, string> }): Record<string, string> {
  const labels: Record<string, string> = { 'org.opencontainers.image.created': opts.now.toISOString() };
  if (opts.revision) labels['org.opencontainers.image.revision'] = opts.revision;
  for (const [k, v] of Object.entries(opts.user ?? {})) {
    checkLabelKey(k, '--label');
    labels[k] = v;
  }
  return labels;
}

/** Builds the bento's image. Throws BACKEND_UNAVAILABLE (after writing a ready build context) when no backend can build. */
export async function containerize(options: ContainerizeOptions): Promise<ContainerizeResult> {
  const { info, dir } = await locateBento(options.bento);
  const tags = options.tags?.length ? options.tags : [`${info.name}:${info.version}`];
  tags.forEach((t) => checkImageTag(t));
  for (const key of Object.keys(options.buildArgs ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new BentoError('BAD_ARGUMENT', `--build-arg: "${key}" is not a valid argument name`);
  }
  const template = await loadTemplate(dir);
  const dockerfile = renderDockerfile(template.text, info, {
    ...(options.baseImage !== undefined ? { baseImage: options.baseImage } : {}),
    templateName: template.file,
  });
  const revision = options.revision === null ? undefined : (options.revision ?? (await gitRevision()));
  const labels = buildLabels({ now: options.now ?? new Date(), revision, user: options.labels });
  const buildArgs = options.buildArgs ?? {};

  const backendOpts = { env: options.env };
  let backend: Backend | undefined;
  if (options.backend) {
    const named = createBackend(options.backend, backendOpts);
    backend = (await named.available()) ? named : undefined;
  } else {
    backend = await detectBackend(backendOpts);
  }
  if (!backend) {
    const context = await writeBuildContext(dir, info, dockerfile);
    const command = suggestedCommand(tags, buildArgs, labels, context);
    const what = options.backend ? `${options.backend} is not available` : 'no container backend is available (tried docker, podman, buildah)';
    throw new BentoError('BACKEND_UNAVAILABLE', `${what}; the build context is ready in ${context}. Build it with:\n  ${command}`);
  }

  const tmp = await fs.mkdtemp(path.join(tmpdir(), 'bento-dockerfile-'));
  try {
    const file = path.join(tmp, 'Dockerfile');
    await fs.writeFile(file, dockerfile);
    const built = await backend.build({ context: dir, dockerfile: file, tags, buildArgs, labels }, { onOutput: options.onOutput });
    return {
      backend: backend.name,
      tags,
      ...(built.imageId ? { imageId: built.imageId } : {}),
      bento: { name: info.name, version: info.version, dir },
      dockerfile,
    };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Copies the bento to `$BENTO_HOME/containerize/<name>-<version>/` with the rendered `Dockerfile` at its top,
 * replacing an earlier copy. Written into a temporary sibling, then renamed, so it is never half there.
 */
async function writeBuildContext(bentoDir: string, info: { name: string; version: string }, dockerfile: string): Promise<string> {
  const root = path.join(bentoHome(), 'containerize');
  const target = path.join(root, `${info.name}-${info.version}`);
  await fs.mkdir(root, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(root, '.tmp-'));
  try {
    await fs.cp(bentoDir, tmp, { recursive: true });
    await fs.writeFile(path.join(tmp, 'Dockerfile'), dockerfile);
    await fs.rm(target, { recursive: true, force: true });
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return target;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function suggestedCommand(tags: string[], buildArgs: Record<string, string>, labels: Record<string, string>, context: string): string {
  const argv = ['docker', 'build'];
  for (const t of tags) argv.push('-t', t);
  for (const [k, v] of Object.entries(buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(labels)) argv.push('--label', `${k}=${v}`);
  argv.push(context);
  return argv.map(shellQuote).join(' ');
}

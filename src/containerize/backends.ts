/**
 * Image build backends: docker, podman and buildah behind one interface, and the detection order used when
 * the user names none (docker when its engine answers, else podman, else buildah).
 *
 * @example
 *   const backend = await detectBackend();
 *   if (backend) await backend.build({ context: bentoDir, dockerfile, tags: ['houses_model:1'], buildArgs: {}, labels: {} });
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BentoError } from '../errors.js';
import { exec, lastLines } from './exec.js';

export const BACKEND_NAMES = ['docker', 'podman', 'buildah'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BuildRequest {
  /** The build context: the bento folder. */
  context: string;
  /** Path of the rendered Dockerfile (may lie outside the context). */
  dockerfile: string;
  /** Image references to tag the result with; at least one. */
  tags: string[];
  buildArgs: Record<string, string>;
  /** Labels added at build time (they override the Dockerfile's LABELs of the same key). */
  labels: Record<string, string>;
}

export interface BuildResult {
  /** The built image's id (sha256:…), when the backend reported it. */
  imageId?: string;
}

export interface BuildOptions {
  /** The backend's output as it comes (the CLI shows it on a terminal). */
  onOutput?: (chunk: Buffer) => void;
}

export interface Backend {
  name: BackendName;
  /** Whether this backend can build here and now (never throws). */
  available(): Promise<boolean>;
  /** Builds the image; throws BentoError('BACKEND_FAILED') with the end of the backend's output. */
  build(request: BuildRequest, options?: BuildOptions): Promise<BuildResult>;
}

export interface BackendOptions {
  /** Environment of the backend's processes (PATH decides which executable runs). Default: process.env. */
  env?: NodeJS.ProcessEnv;
}

interface Spec {
  command: string;
  /** Arguments that succeed only when the backend can build: docker needs its engine; podman/buildah are daemonless. */
  probe: string[];
  /** The build subcommand and the flags that differ between backends. */
  build: string[];
}

const SPECS: Record<BackendName, Spec> = {
  docker: { command: 'docker', probe: ['info', '--format', '{{.ServerVersion}}'], build: ['build'] },
  // Docker format keeps HEALTHCHECK (the OCI image format has no field for it).
  podman: { command: 'podman', probe: ['--version'], build: ['build', '--format', 'docker'] },
  buildah: { command: 'buildah', probe: ['--version'], build: ['bud', '--format', 'docker'] },
};

const PROBE_TIMEOUT_MS = 20_000;

/** The argv (without the executable) of one build: shared flags, in the same order for every backend. */
function buildArgv(name: BackendName, request: BuildRequest, iidfile: string): string[] {
  if (request.tags.length === 0) throw new BentoError('BAD_ARGUMENT', 'an image needs at least one tag');
  const argv = [...SPECS[name].build, '--file', request.dockerfile, '--iidfile', iidfile];
  for (const tag of request.tags) argv.push('--tag', tag);
  for (const [k, v] of Object.entries(request.buildArgs)) argv.push('--build-arg', `${k}=${v}`);
  for (const [k, v] of Object.entries(request.labels)) argv.push('--label', `${k}=${v}`);
  argv.push(request.context);
  return argv;
}

/** One backend by name. */
export function createBackend(name: BackendName, options: BackendOptions = {}): Backend {
  const spec = SPECS[name];
  const env = options.env ?? process.env;
  return {
    name,
    async available() {
      const result = await exec(spec.command, spec.probe, { env, timeoutMs: PROBE_TIMEOUT_MS });
      return result.code === 0;
    },
    async build(request, buildOptions = {}) {
      const tmp = await mkdtemp(join(tmpdir(), 'bento-iid-'));
      try {
        const iidfile = join(tmp, 'iid');
        const argv = buildArgv(name, request, iidfile);
        const result = await exec(spec.command, argv, { env, onOutput: buildOptions.onOutput });
        if (result.startError) {
          throw new BentoError('BACKEND_UNAVAILABLE', `${name}: cannot run "${spec.command}" (${result.startError.code ?? result.startError.message})`);
        }
        if (result.code !== 0) {
          const tail = lastLines(result.output);
          throw new BentoError('BACKEND_FAILED', `${name} build failed (exit code ${result.code})${tail ? `:\n${tail}` : ''}`);
        }
        const id = (await readFile(iidfile, 'utf8').catch(() => '')).trim();
        return id ? { imageId: id } : {};
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  };
}

/** Every backend, in detection order. */
function allBackends(options: BackendOptions = {}): Backend[] {
  return BACKEND_NAMES.map((name) => createBackend(name, options));
}

/** The first available backend in detection order (docker, podman, buildah), or undefined. */
export async function detectBackend(options: BackendOptions = {}, backends: Backend[] = allBackends(options)): Promise<Backend | undefined> {
  for (const backend of backends) {
    if (await backend.available()) return backend;
  }
  return undefined;
}

export function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

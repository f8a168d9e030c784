/**
 * Real podman for tests: the environment from `scripts/podman-setup.sh` (test machines need its settings;
 * the product never sets them) or the reason it cannot be used here, for `t.skip`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BASE_IMAGE = 'docker.io/library/node:20-bookworm-slim';
const SETUP = fileURLToPath(new URL('../../scripts/podman-setup.sh', import.meta.url));

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout = 600_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export type PodmanEnv = { env: NodeJS.ProcessEnv; skip?: undefined } | { env?: undefined; skip: string };

/** podman's environment when it can build and run here, else why not. */
export async function podmanEnv(): Promise<PodmanEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!env.CONTAINERS_CONF || !env.CONTAINERS_STORAGE_CONF) {
    const setup = await run('bash', [SETUP, '--no-install'], process.env, 60_000);
    if (setup.code !== 0) return { skip: `podman is not usable here: ${setup.stderr.trim().split('\n').pop() || `podman-setup.sh exit ${setup.code}`}` };
    for (const m of setup.stdout.matchAll(/([A-Z_]+)=(\S+)/g)) env[m[1]!] = m[2]!;
  }
  const info = await run('podman', ['info', '--format', '{{.Store.GraphDriverName}}'], env, 60_000);
  if (info.code !== 0) return { skip: `\`podman info\` fails here: ${info.stderr.trim().split('\n').pop()}` };
  return { env };
}

/** Whether the base image is in podman's local store (no registry is reachable to pull it). */
export async function hasBaseImage(env: NodeJS.ProcessEnv): Promise<boolean> {
  return (await run('podman', ['image', 'exists', BASE_IMAGE], env, 60_000)).code === 0;
}

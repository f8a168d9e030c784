/**
 * The package as a user gets it: `npm pack` of this checkout (prepack compiles dist/), installed into a new
 * project in `work`. Used by the install test and by the cold-start bench (an installed CLI runs compiled
 * JavaScript; a checkout's runs its TypeScript through tsx).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { PROJECT } from './bento.js';

/** Runs a command to its end: its exit code and its stdout and stderr together (never rejects). */
export function run(cmd: string, args: string[], cwd: string, timeout = 300_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env: { ...process.env, NODE_OPTIONS: '' }, maxBuffer: 32 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

export type Installed =
  | { ok: true; tarball: string; app: string; bin: string }
  /** `offline`: npm could not reach the registry for the dependencies' metadata (not the package's fault). */
  | { ok: false; step: 'pack' | 'install'; offline: boolean; out: string };

/** Packs this checkout into `work` and installs the tarball into `work/app` (an ESM project of its own). */
export async function packAndInstall(work: string): Promise<Installed> {
  const packed = await run('npm', ['pack', '--pack-destination', work], PROJECT);
  if (packed.code !== 0) return { ok: false, step: 'pack', offline: false, out: packed.out };
  const pkg = JSON.parse(await fs.readFile(path.join(PROJECT, 'package.json'), 'utf8')) as { version: string; allowScripts: unknown };
  const tarball = path.join(work, `bento-ts-${pkg.version}.tgz`);
  const app = path.join(work, 'app');
  await fs.mkdir(app, { recursive: true });
  await fs.writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', type: 'module', private: true, allowScripts: pkg.allowScripts }));
  // Every tarball is in npm's cache after `npm ci`: only the registry's metadata may be fetched.
  const installed = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app, 480_000);
  if (installed.code !== 0) return { ok: false, step: 'install', offline: /ENOTFOUND|ETIMEDOUT|EAI_AGAIN|ENOTCACHED/.test(installed.out), out: installed.out };
  return { ok: true, tarball, app, bin: path.join(app, 'node_modules', 'bento-ts', 'bin', 'bento.mjs') };
}

/**
 * The native part a bento carries so it needs nothing downloaded: onnxruntime-node (package.json, dist/,
 * and the Linux x64 binaries only — 45 MB instead of 288 MB) and onnxruntime-common, laid out under
 * `env/node_modules/` where the bundle's banner and the runtime look first. Only what runs is copied:
 * no type declarations, source maps, or onnxruntime-common's ESM build.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { listFiles } from '../store/digest.js';

export interface CopiedFile {
  /** Absolute source path. */
  from: string;
  /** Relative POSIX path in the bento. */
  to: string;
}

export interface OnnxruntimeFiles {
  files: CopiedFile[];
  versions: { onnxruntime_node: string; onnxruntime_common: string };
}

/** The platform folders carried: the image's (linux/x64), plus the build machine's when it differs. */
function platformDirs(): string[] {
  const dirs = ['linux/x64'];
  const host = `${process.platform}/${process.arch}`;
  if (host !== 'linux/x64') dirs.push(host);
  return dirs;
}

/** Walks up from a resolved file to the folder whose package.json has this name. */
function packageDir(resolvedFile: string, name: string): string {
  let dir = path.dirname(resolvedFile);
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new BentoError('MISSING_DEPENDENCY', `cannot find the folder of ${name}`);
    dir = up;
  }
}

function resolvePackage(name: string, fromFile: string): { dir: string; version: string } {
  let main: string;
  try {
    main = createRequire(fromFile).resolve(name);
  } catch {
    throw new BentoError('MISSING_DEPENDENCY', `${name} is not installed (run \`npm install\`)`);
  }
  const dir = packageDir(main, name);
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

// Type declarations and source maps are of no use at run time.
const runtimeFile = (rel: string): boolean => !/\.(d\.ts|map)$/.test(rel);

async function under(pkgDir: string, sub: string, to: string): Promise<CopiedFile[]> {
  const abs = path.join(pkgDir, ...sub.split('/'));
  if (!existsSync(abs)) return [];
  return (await listFiles(abs)).filter(runtimeFile).map((rel) => ({ from: path.join(abs, ...rel.split('/')), to: `${to}/${sub}/${rel}` }));
}

/**
 * Lists the onnxruntime files to copy into a bento, resolved as the framework itself resolves them.
 * `fromFile` is where resolution starts (default: this module).
 */
export async function onnxruntimeFiles(fromFile: string = import.meta.url): Promise<OnnxruntimeFiles> {
  const node = resolvePackage('onnxruntime-node', fromFile);
  const common = resolvePackage('onnxruntime-common', path.join(node.dir, 'package.json'));
  const ortTo = 'env/node_modules/onnxruntime-node';
  const commonTo = 'env/node_modules/onnxruntime-common';
  const files: CopiedFile[] = [
    { from: path.join(node.dir, 'package.json'), to: `${ortTo}/package.json` },
    ...(await under(node.dir, 'dist', ortTo)),
    { from: path.join(common.dir, 'package.json'), to: `${commonTo}/package.json` },
    // onnxruntime-node requires the CommonJS build of onnxruntime-common (its exports' "require").
    ...(await under(common.dir, 'dist/cjs', commonTo)),
  ];
  let binaries = 0;
  for (const p of platformDirs()) {
    const bins = await under(node.dir, `bin/napi-v6/${p}`, ortTo);
    binaries += bins.length;
    files.push(...bins);
  }
  if (binaries === 0) throw new BentoError('MISSING_DEPENDENCY', `onnxruntime-node ${node.version} has no binaries for ${platformDirs().join(' or ')} in ${node.dir}`);
  return { files, versions: { onnxruntime_node: node.version, onnxruntime_common: common.version } };
}

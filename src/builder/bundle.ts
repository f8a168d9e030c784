/**
 * The bento's code: ONE esbuild bundle (`src/service.cjs`) of a generated entry that loads the user's
 * service module and the framework runtime. Everything but onnxruntime-node (native) is inside it, so a
 * bento runs without its project. Deterministic: same inputs → same bytes (no absolute paths, no dates).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { BentoError } from '../errors.js';

/** The framework's runtime entry (`runBento`), bundled into every bento. */
// From the sources (a checkout, through tsx) or from the compiled package (dist/).
export const RUNTIME_MAIN = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../runtime/main.ts' : '../runtime/main.js', import.meta.url));

/** Native packages the bundle leaves to the environment (the bento carries them in env/node_modules). */
const EXTERNALS = ['onnxruntime-node'];

// Runs before any bundled module: resolve externals from the bento's own env/node_modules first, and give
// ESM code that reads import.meta.url (which cjs lacks) the bundle's own URL.
const BANNER = [
  'module.paths.unshift(require("node:path").join(__dirname, "..", "env", "node_modules"));',
  'var __bento_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
].join('\n');

/** A file a bundled package reads from beside its own code at run time, copied into the bento. */
export interface BundleAsset {
  /** Absolute source path (file or folder). */
  from: string;
  /** Relative POSIX path in the bento. */
  to: string;
}

// Packages whose files are read at run time from beside their code. Bundled, that code has lost its
// folder, so the files are carried under env/node_modules/<pkg>/ where the runtime looks for them
// (Swagger UI: runtime/main.ts passes env/node_modules/@fastify/swagger-ui/static as its baseDir).
const PACKAGE_ASSETS: Record<string, string[]> = {
  '@fastify/swagger-ui': ['static'],
};

export interface BundleResult {
  /** The bundle's bytes. */
  code: Uint8Array;
  /** Files the bundled packages need at run time. */
  assets: BundleAsset[];
}

function importPath(fromDir: string, file: string): string {
  const rel = path.relative(fromDir, file).split(path.sep).join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

/** The generated entry: start the runtime when run as a program; export the service when required. */
export function entrySource(projectDir: string, serviceFile: string, exportName: string, runtimeMain = RUNTIME_MAIN): string {
  return [
    '"use strict";',
    'const path = require("node:path");',
    // In a container node is PID 1, which ignores signals it has no handler for: until the runtime has
    // installed its draining handlers, SIGTERM/SIGINT simply end the process; after that they defer to them.
    'if (require.main === module) for (const sig of ["SIGTERM", "SIGINT"]) {',
    '  process.on(sig, function early() { if (process.listenerCount(sig) === 1) process.exit(0); });',
    '}',
    `const loadService = () => require(${JSON.stringify(importPath(projectDir, serviceFile))})[${JSON.stringify(exportName)}];`,
    'if (require.main === module) {',
    // runBento loads the service itself, so a mistake in it is printed by the one error printer.
    `  require(${JSON.stringify(importPath(projectDir, runtimeMain))}).runBento(loadService, { bentoDir: path.resolve(__dirname, ".."), argv: process.argv.slice(2) });`,
    '} else {',
    '  module.exports = { svc: loadService() };',
    '}',
    '',
  ].join('\n');
}

/**
 * Bundles the service and the runtime into one CommonJS file for Node 20.
 *
 * @example
 *   const { code } = await bundleService({ projectDir, serviceFile: `${projectDir}/service.ts`, exportName: 'svc' });
 */
export async function bundleService(opts: { projectDir: string; serviceFile: string; exportName: string; runtimeMain?: string }): Promise<BundleResult> {
  const projectDir = path.resolve(opts.projectDir);
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      stdin: { contents: entrySource(projectDir, opts.serviceFile, opts.exportName, opts.runtimeMain), resolveDir: projectDir, sourcefile: 'bento-entry.cjs', loader: 'js' },
      absWorkingDir: projectDir,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: EXTERNALS,
      write: false,
      metafile: true,
      sourcemap: false,
      legalComments: 'none',
      keepNames: false,
      charset: 'utf8',
      logLevel: 'silent',
      banner: { js: BANNER },
      define: { 'import.meta.url': '__bento_import_meta_url', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
    });
  } catch (err) {
    const failure = err as esbuild.BuildFailure;
    const first = failure.errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}: ` : '';
    throw new BentoError('BAD_CONFIG', `bundling ${path.basename(opts.serviceFile)} failed: ${where}${first?.text ?? (err as Error).message}`);
  }
  const out = result.outputFiles[0];
  if (!out) throw new BentoError('INTERNAL', 'esbuild produced no output');
  return { code: out.contents, assets: assetsOf(Object.keys(result.metafile.inputs), projectDir) };
}

/** The assets of the bundled packages that need some, found from the bundle's inputs. */
function assetsOf(inputs: string[], projectDir: string): BundleAsset[] {
  const out: BundleAsset[] = [];
  for (const [pkg, files] of Object.entries(PACKAGE_ASSETS)) {
    const marker = `node_modules/${pkg}/`;
    const input = inputs.find((i) => i.includes(marker));
    if (!input) continue;
    const pkgDir = path.resolve(projectDir, input.slice(0, input.indexOf(marker) + marker.length));
    for (const f of files) out.push({ from: path.join(pkgDir, f), to: `env/node_modules/${pkg}/${f}` });
  }
  return out;
}

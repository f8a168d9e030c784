/**
 * `bento serve [TAG | DIR | FILE[:EXPORT] | .]`: a bento (by tag, or its folder) runs as `node <bento>/src/service.cjs`;
 * a project folder (`.`, the default, as in BentoML) or one service file of it (`service.ts:svc`, as
 * BentoML's `bentoml serve service:Svc`) is served without a build, optionally reloading.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { BENTO_INFO_FILE } from '../../bento/bento-info.js';
import { locateBento } from '../../bento/locate.js';
import { typeScriptLoaded } from '../../builder/typescript-loader.js';
import { BentoError, isBentoError } from '../../errors.js';
import { resolveFlags, type ServeFlags } from '../../runtime/args.js';
import { bentoHome, projectRoot } from '../../store/home.js';
import { runEntryHere, runForwarding } from '../child.js';
import type { Command } from '../command.js';

/** `service` is `FILE[:EXPORT]` relative to the project folder, when one file of it was named. */
type Target = { kind: 'bento'; dir: string; entry: string } | { kind: 'project'; dir: string; service?: string };

/** `service.ts`, `src/app.mts:svc`: a module file, then an optional export name (a tag never ends in .ts). */
const SERVICE_SPEC = /^(.+\.(?:ts|mts|cts|js|mjs|cjs))(?::([A-Za-z_$][\w$]*))?$/;
const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
/** BentoML's `module:Export`: a name without an extension, then an export (read as a tag when no such file is here). */
const MODULE_EXPORT = /^([^:]+):([A-Za-z_$][\w$]*)$/;

/** BentoML's `service:Svc` (a module without its extension): `service.ts:Svc` when such a file exists here. */
function moduleSpec(target: string): string | undefined {
  const m = MODULE_EXPORT.exec(target);
  const ext = m && MODULE_EXTENSIONS.find((e) => existsSync(path.resolve(m[1]! + e)));
  return m && ext ? `${m[1]}${ext}:${m[2]}` : undefined;
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * What `bento serve X` means: a project folder (bentofile.yaml or service.ts, no bento.yaml), else a bento
 * by folder or tag, as every command that takes a bento decides it (locateBento).
 */
export async function resolveTarget(target: string): Promise<Target> {
  const spec = SERVICE_SPEC.exec(moduleSpec(target) ?? target);
  if (spec) {
    const file = path.resolve(spec[1]!);
    if (!existsSync(file)) throw new BentoError('FILE_NOT_FOUND', `bento serve ${target}: no such file ${file}`);
    if (!statSync(file).isFile()) throw new BentoError('BAD_ARGUMENT', `bento serve ${target}: ${file} is not a file`);
    // The project the file belongs to: its bentofile's models and pins apply, as for `bento serve .`.
    const project = projectRoot(path.dirname(file));
    return { kind: 'project', dir: project, service: `${path.relative(project, file)}${spec[2] ? `:${spec[2]}` : ''}` };
  }
  const dir = path.resolve(target);
  if (isDir(dir) && !existsSync(path.join(dir, BENTO_INFO_FILE))) {
    if (existsSync(path.join(dir, 'bentofile.yaml')) || existsSync(path.join(dir, 'service.ts'))) return { kind: 'project', dir };
    throw new BentoError('BAD_ARGUMENT', `${target} is neither a bento (no ${BENTO_INFO_FILE}) nor a project (no bentofile.yaml or service.ts)`);
  }
  const { dir: bentoDir, info } = await locateBento(target).catch((err: unknown) => {
    // `service:svc` with no service.ts here reads as a tag: say what else it could have meant.
    const module = MODULE_EXPORT.exec(target);
    if (module && isBentoError(err) && err.code === 'TAG_NOT_FOUND') throw new BentoError('TAG_NOT_FOUND', `${err.message}, and there is no service file ${module[1]}.ts`);
    throw err;
  });
  return { kind: 'bento', dir: bentoDir, entry: path.join(bentoDir, info.runtime.entry) };
}

/** The flags a child server gets (only those given: the child reads BENTOML_PORT etc. itself). */
function childFlags(values: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const name of ['port', 'host', 'workers']) if (typeof values[name] === 'string') out.push(`--${name}`, values[name] as string);
  if (values.production === true) out.push('--production');
  return out;
}

export const serve: Command = {
  summary: 'serve a bento (by tag or folder), a project (default: the one you are in) or one service file of it over HTTP',
  usage: 'serve [TAG | DIR | FILE[:EXPORT] | .] [--production] [--port P] [--host H] [--workers N] [--reload [--no-type-check]]',
  help: [
    'A bento tag or folder runs as `node <bento>/src/service.cjs` (what its image runs); a project folder',
    'is served straight from its sources with its models from the model store (development; --reload',
    'restarts on source changes, and checks the service\'s types after each start unless --no-type-check). FILE[:EXPORT] (e.g. service.ts:svc, or service:svc as BentoML writes it)',
    'serves that export of a file of the project (FILE alone: the one service it exports); without an',
    'argument, the project the current folder is in. The port is --port, else BENTOML_PORT, else PORT, else 3000.',
    '--production runs N worker processes sharing the port (default: the CPU count) with JSON logs;',
    'SIGHUP (or `bento promote`, or the bridge) then switches it to another bento without downtime:',
    'a bare SIGHUP re-resolves the tag it was started with (e.g. NAME:latest).',
    'Endpoints: POST /<api route> (e.g. /predict), /livez, /healthz, /readyz, /metrics, /docs, /docs.json.',
  ].join('\n'),
  options: {
    production: { type: 'boolean', description: 'run N worker processes sharing the port' },
    port: { type: 'string', short: 'p', arg: 'P', description: 'port (default: BENTOML_PORT, else PORT, else 3000)' },
    host: { type: 'string', arg: 'H', description: 'address to listen on (default 0.0.0.0)' },
    workers: { type: 'string', arg: 'N', description: 'workers with --production (default: the CPU count)' },
    reload: { type: 'boolean', description: 'restart when a source file changes (project folders only)' },
    'no-type-check': { type: 'boolean', description: 'with --reload: do not check the service\'s types after each start' },
  },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }) {
    const flags: ServeFlags = resolveFlags({
      port: values.port as string | undefined,
      host: values.host as string | undefined,
      workers: values.workers as string | undefined,
      production: values.production === true,
      reload: values.reload === true,
    });
    if (values['no-type-check'] === true && !flags.reload) {
      throw new BentoError('BAD_ARGUMENT', '--no-type-check applies with --reload only (without it, types are not checked)');
    }
    const here = process.cwd();
    const isProject = existsSync(path.join(here, 'bentofile.yaml')) || existsSync(path.join(here, 'service.ts'));
    const target = await resolveTarget(positionals[0] ?? (isProject ? '.' : projectRoot()));
    if (target.kind === 'bento') {
      if (flags.reload) process.stderr.write('warning: --reload applies to project folders only; a bento is served as built\n');
      if (!existsSync(target.entry)) throw new BentoError('FILE_NOT_FOUND', `${target.entry} is missing: is ${target.dir} a complete bento?`);
      // For promotions (SIGHUP re-resolves the tag as given, in the same store; the serving record goes there).
      const given = positionals[0];
      if (given !== undefined && !isDir(path.resolve(given))) process.env.BENTO_SERVE_TAG = given;
      process.env.BENTO_HOME = bentoHome();
      // A process with tsx's hooks (a checkout) starts the bento in a child of its own, without them.
      return typeScriptLoaded() ? runForwarding([target.entry, ...childFlags(values)]) : runEntryHere(target.entry, childFlags(values));
    }
    if (flags.reload) {
      const cli = process.argv[1]!;
      const what = target.service !== undefined ? path.join(target.dir, target.service) : target.dir;
      const args = [...process.execArgv, cli, 'serve', what, ...childFlags(values)];
      const { serveWithReload } = await import('../reload.js');
      const { typeCheckOnStart } = await import('../reload-type-check.js');
      const { NO_BENTOFILE, readBentofile } = await import('../../builder/bentofile.js');
      const { serviceFileOf } = await import('../../builder/resolve.js');
      const log = (msg: string): void => void process.stderr.write(`bento serve: ${msg}\n`);
      const bentofile = path.join(target.dir, 'bentofile.yaml');
      const serviceFile = async (): Promise<string | undefined> => {
        try {
          return serviceFileOf(target.dir, existsSync(bentofile) ? await readBentofile(bentofile) : NO_BENTOFILE, target.service);
        } catch {
          return undefined; // a broken bentofile: the server says what is wrong with it
        }
      };
      const check = values['no-type-check'] === true ? undefined : typeCheckOnStart(target.dir, serviceFile, log);
      return serveWithReload(target.dir, args, log, check);
    }
    // Loaded only here: a bento's child process does not pay for the server code in this one.
    const { serveProject } = await import('../serve-project.js');
    await serveProject(target.dir, flags, target.service);
    return 0;
  },
};

/**
 * `bento` entry point: finds the command, parses its flags with node:util parseArgs, runs it, and maps
 * errors to one readable line and a non-zero exit code. The only place that decides exit codes.
 */
import { parseArgs } from 'node:util';
import { BentoError, exitCodeFor, formatError } from '../errors.js';
import type { Command, OptionSpec } from './command.js';

type Loader = () => Promise<Command>;

/** Every command, by its words. Each command lives in its own module, loaded only when used. */
const COMMANDS: Record<string, Loader> = {
  start: async () => (await import('./commands/start.js')).start,
  train: async () => (await import('./commands/train.js')).train,
  'models list': async () => (await import('./commands/models.js')).list,
  'models get': async () => (await import('./commands/models.js')).get,
  'models delete': async () => (await import('./commands/models.js')).remove,
  'models export': async () => (await import('./commands/models.js')).exportModel,
  'models import': async () => (await import('./commands/models.js')).importModel,
  build: async () => (await import('./commands/build.js')).build,
  list: async () => (await import('./commands/bentos.js')).list,
  get: async () => (await import('./commands/bentos.js')).get,
  delete: async () => (await import('./commands/bentos.js')).remove,
  export: async () => (await import('./commands/bentos.js')).exportBento,
  import: async () => (await import('./commands/bentos.js')).importBento,
  serve: async () => (await import('./commands/serve.js')).serve,
  containerize: async () => (await import('./commands/containerize.js')).containerize,
  'models compare': async () => (await import('./commands/models-compare.js')).compare,
  'runs list': async () => (await import('./commands/runs.js')).list,
  'runs get': async () => (await import('./commands/runs.js')).get,
  'runs compare': async () => (await import('./commands/runs.js')).compare,
  'data add': async () => (await import('./commands/data.js')).add,
  'data list': async () => (await import('./commands/data.js')).list,
  'data get': async () => (await import('./commands/data.js')).get,
  'data export': async () => (await import('./commands/data.js')).exportData,
  lineage: async () => (await import('./commands/lineage.js')).lineage,
  bridge: async () => (await import('./commands/bridge.js')).bridge,
  promote: async () => (await import('./commands/promote.js')).promote,
  deploy: async () => (await import('./commands/deploy.js')).deploy,
  'drift report': async () => (await import('./commands/drift.js')).report,
};

const GROUP_SUMMARY: Record<string, string> = { models: 'manage the model store (list, get, delete, export, import)', runs: 'training runs (list, get, compare)', data: 'dataset versions (add, list, get, export)', drift: 'drift reports (report)' };

function findCommand(argv: string[]): { name: string; rest: string[] } | undefined {
  const two = argv.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { name: two, rest: argv.slice(2) };
  if (argv[0] && COMMANDS[argv[0]]) return { name: argv[0], rest: argv.slice(1) };
  return undefined;
}

function optionLine(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
  return `  ${flag.padEnd(30)} ${spec.description}${spec.multiple ? ' (repeatable)' : ''}`;
}

function commandHelp(name: string, cmd: Command): string {
  const lines = [`Usage: bento ${cmd.usage}`, '', cmd.summary, '', 'Options:'];
  for (const [opt, spec] of Object.entries(cmd.options ?? {})) lines.push(optionLine(opt, spec));
  lines.push(optionLine('help', { type: 'boolean', short: 'h', description: 'show this help' }));
  if (cmd.help) lines.push('', cmd.help.trimEnd());
  return lines.join('\n') + '\n';
}

async function generalHelp(prefix?: string): Promise<string> {
  const lines = ['Usage: bento <command> [options]', '', 'Commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    if (prefix && !name.startsWith(prefix + ' ')) continue;
    let summary = '';
    try {
      summary = (await load()).summary;
    } catch {
      summary = '(not available)';
    }
    lines.push(`  ${name.padEnd(16)} ${summary}`);
  }
  lines.push('', 'Run `bento <command> --help` for the options of one command.');
  return lines.join('\n') + '\n';
}

/** `bento get x | head`: the reader has what it wanted; stop quietly, not with an EPIPE stack trace. */
function quietOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      process.stdout.write(await generalHelp());
      return argv.length === 0 ? 1 : 0;
    }
    if (argv[0] === '--version' || argv[0] === '-v') {
      const { createRequire } = await import('node:module');
      const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
      process.stdout.write(pkg.version + '\n');
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      if (GROUP_SUMMARY[argv[0]!]) {
        const helpAsked = argv.includes('--help') || argv.includes('-h');
        process.stdout.write(await generalHelp(argv[0]));
        if (helpAsked) return 0;
        throw new BentoError('BAD_ARGUMENT', argv[1] ? `unknown command "${argv[0]} ${argv[1]}"` : `"${argv[0]}" needs a subcommand`);
      }
      throw new BentoError('BAD_ARGUMENT', `unknown command "${argv[0]}" (run \`bento --help\` for the list)`);
    }
    const cmd = await COMMANDS[found.name]!();
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      process.stdout.write(commandHelp(found.name, cmd));
      return 0;
    }
    const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
    for (const [opt, spec] of Object.entries(cmd.options ?? {})) {
      options[opt] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
    }
    let parsed;
    try {
      parsed = parseArgs({ args: found.rest, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new BentoError('BAD_ARGUMENT', `bento ${found.name}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}`);
    }
    const { min, max } = cmd.positionals ?? { min: 0, max: 0 };
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new BentoError('BAD_ARGUMENT', `bento ${found.name}: expected usage \`bento ${cmd.usage}\``);
    }
    const code = await cmd.run({ values: parsed.values as never, positionals: parsed.positionals });
    return code ?? 0;
  } catch (err) {
    // One printer and one exit-code rule, shared with a bento's entry (src/errors.ts).
    process.stderr.write(formatError(err));
    return exitCodeFor(err);
  }
}

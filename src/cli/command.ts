import { BentoError } from '../errors.js';
/**
 * The shape of one CLI command: flags in, one options object out, one library call.
 * Commands never call process.exit; `main` decides exit codes in one place.
 */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  description: string;
  /** Placeholder for --help, e.g. "PATH". */
  arg?: string;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** One line for the command list. */
  summary: string;
  /** Usage line without the leading "bento", e.g. "models get TAG [-o json]". */
  usage: string;
  /** Optional longer help text printed after the options. */
  help?: string;
  options?: Record<string, OptionSpec>;
  /** How many positional arguments are allowed. */
  positionals?: { min: number; max: number };
  /** Returns the exit code (default 0). Throw a BentoError for a user mistake. */
  run(args: ParsedArgs): Promise<number | void>;
}

/** Reads `-o json` / `--output json`; anything other than json or table is a user error. */
export const OUTPUT_OPTION: Record<string, OptionSpec> = {
  output: { type: 'string', short: 'o', arg: 'FORMAT', description: 'output format: table (default) or json' },
};

/** The `-o` format of a list/get command; anything but table or json is a user error. */
export function outputFormat(values: ParsedArgs['values']): 'json' | 'table' {
  const o = values.output;
  if (o === undefined || o === 'table') return 'table';
  if (o === 'json') return 'json';
  throw new BentoError('BAD_ARGUMENT', `-o/--output must be "table" or "json", not "${String(o)}"`);
}

/** `-o` of a get command: a short summary for people (default), the whole info file as YAML, or JSON. */
export const GET_OUTPUT_OPTION: Record<string, OptionSpec> = {
  output: { type: 'string', short: 'o', arg: 'FORMAT', description: 'output format: summary (default), yaml or json' },
};

/** The `-o` format of a get command; anything else is a user error naming the choices. */
export function getFormat(values: ParsedArgs['values']): 'summary' | 'yaml' | 'json' {
  const o = values.output;
  if (o === undefined || o === 'summary' || o === 'table') return 'summary';
  if (o === 'yaml' || o === 'json') return o;
  throw new BentoError('BAD_ARGUMENT', `-o/--output must be "summary", "yaml" or "json", not "${String(o)}"`);
}

/** `K=V` flags → a record; a flag without `=` or with an empty key is a user error naming the flag. */
export function parsePairs(flag: string, values: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of values ?? []) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new BentoError('BAD_ARGUMENT', `${flag} "${item}": expected KEY=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

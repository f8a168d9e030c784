/**
 * The serving flags shared by `node <bento>/src/service.cjs …` and `bento serve`:
 * `--port P` (else BENTOML_PORT, else PORT, else 3000), `--host H` (else BENTOML_HOST, else 0.0.0.0),
 * `--production`, `--workers N` (default: the CPU count), `--reload` (accepted; only `bento serve .` reloads).
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { resolvePort } from '../bento/port.js';
import { BentoError } from '../errors.js';

export interface ServeFlags {
  port: number;
  host: string;
  production: boolean;
  workers: number;
  reload: boolean;
}

/** A whole decimal number, or NaN (Number() reads "" and " " as 0, and "0x10" or "1e3" as numbers). */
function wholeNumber(text: string): number {
  return /^\d+$/.test(text) ? Number(text) : Number.NaN;
}

/** Resolves flags given as strings (from argv or the CLI) against the environment and defaults. */
export function resolveFlags(
  given: { port?: string; host?: string; production?: boolean; workers?: string; reload?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): ServeFlags {
  const port = resolvePort(given.port, env);
  const workers = given.workers === undefined ? os.availableParallelism() : wholeNumber(given.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new BentoError('BAD_ARGUMENT', `--workers must be a whole number ≥ 1, not "${given.workers}"`);
  // Without --production one process serves: a worker count would be silently ignored.
  if (given.workers !== undefined && given.production !== true) {
    throw new BentoError('BAD_ARGUMENT', `--workers ${given.workers} needs --production (without it one process serves)`);
  }
  return {
    port,
    host: given.host ?? env.BENTOML_HOST ?? '0.0.0.0',
    production: given.production ?? false,
    workers,
    reload: given.reload ?? false,
  };
}

/** Parses `node service.cjs` arguments. */
export function parseServeArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): ServeFlags {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        production: { type: 'boolean' },
        workers: { type: 'string' },
        reload: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new BentoError('BAD_ARGUMENT', (err as Error).message.replace(/\. To specify.*$/s, ''));
  }
  return resolveFlags(values);
}

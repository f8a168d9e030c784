/**
 * The one rule for the port a bento serves on, shared by the runtime (`--port` and the environment) and
 * the image recipe (EXPOSE and HEALTHCHECK): `--port`, else BENTOML_PORT, else PORT, else 3000.
 */
import { BentoError } from '../errors.js';

export const DEFAULT_PORT = 3000;

/** The environment variables that set the port, strongest first. */
export const PORT_ENV_VARS = ['BENTOML_PORT', 'PORT'] as const;

/**
 * The port from a `--port` value and an environment: the first one set wins, else DEFAULT_PORT.
 * A value that is not a whole number in 0–65535 is BAD_ARGUMENT naming where it came from (an empty
 * variable counts as set: it is a mistake, not "unset").
 *
 * @example
 *   resolvePort(undefined, { BENTOML_PORT: '3005' }) // 3005
 */
export function resolvePort(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const sources: Array<[string, string | undefined]> = [['--port', flag], ...PORT_ENV_VARS.map((k): [string, string | undefined] => [k, env[k]])];
  const found = sources.find(([, v]) => v !== undefined);
  if (!found) return DEFAULT_PORT;
  const [from, text] = found as [string, string];
  const port = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new BentoError('BAD_ARGUMENT', `${from} must be a port number (0-65535), not "${text}"`);
  }
  return port;
}

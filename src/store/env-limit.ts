/** Limits a user can change through the environment: one parser, one error naming the variable. */
import { BentoError } from '../errors.js';

/**
 * A positive whole number from an environment variable, or `fallback` when unset or empty; anything else is
 * BAD_ARGUMENT naming the variable.
 *
 * @example
 *   limitFromEnv('BENTO_ARCHIVE_MAX_ENTRIES', 10_000) // 10000 unless the variable says otherwise
 */
export function limitFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new BentoError('BAD_ARGUMENT', `${name} must be a positive whole number, not "${text}"`);
  return n;
}

/**
 * A set of limits: `defaults`, each overridden by its environment variable in `names`.
 *
 * @example
 *   limitsFromEnv({ maxEntries: 10_000 }, { maxEntries: 'BENTO_ARCHIVE_MAX_ENTRIES' })
 */
export function limitsFromEnv<L extends { [K in keyof L]: number }>(defaults: Readonly<L>, names: Readonly<Record<keyof L, string>>, env: NodeJS.ProcessEnv = process.env): L {
  const out = { ...defaults } as L;
  for (const key of Object.keys(names) as Array<keyof L>) (out as Record<keyof L, number>)[key] = limitFromEnv(names[key], defaults[key], env);
  return out;
}

/**
 * What the import fuzz suites share: a seeded generator (FUZZ_SEED reproduces a run), byte mutations, a
 * time budget, and the check that nothing was left behind in the stores or $TMPDIR.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { isBentoError, type ErrorCode } from '../../src/errors.js';
import { rng } from '../kit/model.js';

/** The seed of this run: FUZZ_SEED, else the time (printed by the suites so a failure can be replayed). */
export const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

export type Rand = () => number;

export function randomInt(r: Rand, n: number): number {
  return Math.floor(r() * n);
}

/** One random mutation of `bytes`: bit flips, a truncation, an overwritten run, a duplicated or removed chunk. */
export function mutate(r: Rand, bytes: Buffer): { what: string; bytes: Buffer } {
  const b = Buffer.from(bytes);
  const at = randomInt(r, Math.max(1, b.length));
  switch (randomInt(r, 5)) {
    case 0: {
      const flips = 1 + randomInt(r, 8);
      for (let i = 0; i < flips; i++) b[randomInt(r, b.length)]! ^= 1 << randomInt(r, 8);
      return { what: `${flips} bit flips`, bytes: b };
    }
    case 1:
      return { what: `truncated at ${at}`, bytes: b.subarray(0, at) };
    case 2: {
      const len = 1 + randomInt(r, 64);
      const fill = [0x00, 0xff, 0x30, 0x7f][randomInt(r, 4)]!;
      b.fill(fill, at, Math.min(b.length, at + len));
      return { what: `${len} bytes at ${at} set to ${fill}`, bytes: b };
    }
    case 3: {
      const len = 1 + randomInt(r, 512);
      return { what: `${len} bytes at ${at} repeated`, bytes: Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]) };
    }
    default: {
      const len = 1 + randomInt(r, 512);
      return { what: `${len} bytes at ${at} removed`, bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]) };
    }
  }
}

/** Runs `step(i)` until `max` iterations or `ms` milliseconds, whichever comes first; returns the count. */
export async function forBudget(max: number, ms: number, step: (i: number) => Promise<void>): Promise<number> {
  const end = Date.now() + ms;
  let i = 0;
  for (; i < max && Date.now() < end; i++) await step(i);
  return i;
}

export const makeRand = (salt: number): Rand => rng(SEED * 7919 + salt);

/**
 * What an import of a mutated file may end in: accepted (`undefined`), or a coded refusal in `allowed`.
 * Anything else (a plain Error, INTERNAL) is returned as a failure message.
 */
export async function outcome(p: Promise<unknown>, allowed: ErrorCode[]): Promise<{ ok: boolean; failure?: string }> {
  try {
    await p;
    return { ok: true };
  } catch (err) {
    if (isBentoError(err) && allowed.includes(err.code)) return { ok: false };
    return { ok: false, failure: isBentoError(err) ? `${err.code}: ${err.message}` : String((err as Error)?.stack ?? err) };
  }
}

/** Temporary leftovers: `.tmp-*` in the stores under `home`, `bento-import-*` in `tmp`. */
export async function leftovers(home: string, tmp: string): Promise<string[]> {
  const out: string[] = [];
  for (const store of ['models', 'bentos']) {
    const root = path.join(home, store);
    if (existsSync(root)) for (const n of await fs.readdir(root)) if (n.startsWith('.tmp-')) out.push(`${store}/${n}`);
  }
  for (const n of await fs.readdir(tmp)) if (n.startsWith('bento-import-')) out.push(`$TMPDIR/${n}`);
  return out;
}

/**
 * What list/get/delete commands share: JSON and table output, sizes and times for people, and the
 * delete confirmation (asked on a terminal, refused in a pipe without -y).
 */
import { createInterface } from 'node:readline/promises';
import { BentoError } from '../errors.js';

export const json = (v: unknown): void => void process.stdout.write(JSON.stringify(v, null, 2) + '\n');

export function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

export const when = (iso: string): string => iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');

/** Left-aligned columns; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** The damaged entries of a store listing, after the table: one line each with the reason. */
export function damagedLines(damaged: Array<{ tag: string; reason: string }>): string {
  return damaged.map((d) => `${d.tag}  DAMAGED: ${d.reason}\n`).join('');
}

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/**
 * True when deleting `tag` may go ahead: `-y` given, or confirmed at the terminal. Without -y and without a
 * terminal it refuses with BAD_ARGUMENT, so a script never hangs on a question.
 */
export async function confirmDelete(kind: 'model' | 'bento', tag: string, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY) throw new BentoError('BAD_ARGUMENT', `not deleting ${tag}: pass -y to delete without confirmation`);
  if (await ask(`Delete ${kind} ${tag}? [y/N] `)) return true;
  process.stderr.write('not deleted\n');
  return false;
}

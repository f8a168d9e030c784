/**
 * How much an archive may unpack to: total bytes, entry count and bytes per entry, enforced while
 * extracting (from each entry's header before it is written, and by counting what is written), so a
 * compression bomb stops at the limit instead of filling the disk or the memory.
 */
import { BentoError } from '../errors.js';
import { limitsFromEnv } from './env-limit.js';

export interface ArchiveLimits {
  /** Bytes of all the files together, unpacked. */
  maxBytes: number;
  /** Entries (files, folders, links). */
  maxEntries: number;
  /** Bytes of one file, unpacked. */
  maxEntryBytes: number;
}

const MiB = 1024 * 1024;

/** Generous for real bentos (~50 MB with onnxruntime's binaries; models of a few hundred MB). */
export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = { maxBytes: 1024 * MiB, maxEntries: 10_000, maxEntryBytes: 512 * MiB };

/** The environment variable that overrides each limit. */
export const ARCHIVE_LIMIT_ENV: Readonly<Record<keyof ArchiveLimits, string>> = {
  maxBytes: 'BENTO_ARCHIVE_MAX_BYTES',
  maxEntries: 'BENTO_ARCHIVE_MAX_ENTRIES',
  maxEntryBytes: 'BENTO_ARCHIVE_MAX_ENTRY_BYTES',
};

/** The limits in force: the defaults, each overridden by its environment variable. */
export function archiveLimits(env: NodeJS.ProcessEnv = process.env): ArchiveLimits {
  return limitsFromEnv<ArchiveLimits>(DEFAULT_ARCHIVE_LIMITS, ARCHIVE_LIMIT_ENV, env);
}

/** Counts what an extraction unpacks and refuses (BAD_ARCHIVE naming the limit and its variable) past a limit. */
export class UnpackBudget {
  private bytes = 0;
  private entries = 0;

  constructor(
    readonly limits: ArchiveLimits,
    private readonly label: string,
  ) {}

  private over(what: string, key: keyof ArchiveLimits): BentoError {
    return new BentoError('BAD_ARCHIVE', `${this.label}: ${what}, over the limit of ${this.limits[key]} (${ARCHIVE_LIMIT_ENV[key]}); nothing was imported`, [
      { path: ARCHIVE_LIMIT_ENV[key], message: `limit ${this.limits[key]}` },
    ]);
  }

  /** The archive file itself, when it must be read whole (zip): no bigger than all it may unpack. */
  file(size: number): void {
    if (size > this.limits.maxBytes) throw this.over(`the archive file has ${size} bytes`, 'maxBytes');
  }

  /** One more entry, announcing `size` bytes (its header's or directory's size). */
  entry(name: string, size: number): void {
    if (++this.entries > this.limits.maxEntries) throw this.over(`more than ${this.limits.maxEntries} entries`, 'maxEntries');
    if (size > this.limits.maxEntryBytes) throw this.over(`entry "${name}" unpacks to ${size} bytes`, 'maxEntryBytes');
    if (this.bytes + size > this.limits.maxBytes) throw this.over(`unpacking "${name}" takes the archive past ${this.limits.maxBytes} bytes`, 'maxBytes');
  }

  /** Bytes actually written for an entry (so a lying header cannot slip past). */
  wrote(name: string, n: number, entrySoFar: number): void {
    this.bytes += n;
    if (entrySoFar > this.limits.maxEntryBytes) throw this.over(`entry "${name}" unpacks to more than ${this.limits.maxEntryBytes} bytes`, 'maxEntryBytes');
    if (this.bytes > this.limits.maxBytes) throw this.over(`the archive unpacks to more than ${this.limits.maxBytes} bytes`, 'maxBytes');
  }
}

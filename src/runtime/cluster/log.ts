/**
 * JSON log lines for the cluster primary, in pino's shape (`level`, `time`, `pid`, `msg`) so they sit with
 * the workers' Fastify logs in one structured stream.
 */
import { writeSync } from 'node:fs';

/**
 * The servers' log destination: each line written to stdout at once, and dropped when it cannot be written.
 * pino's default destination retries a failed write forever when it flushes at exit, so a server whose
 * parent was killed (its stdout a pipe nobody reads: EPIPE) would never finish exiting after a SIGTERM.
 */
export const stdoutLog = {
  write(line: string): void {
    for (let tries = 0; tries < 3; tries++) {
      try {
        writeSync(1, line);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return; // EPIPE and the like: nobody reads
      }
    }
  },
};

const LEVELS = { info: 30, warn: 40, error: 50 } as const;

export function logLine(level: keyof typeof LEVELS, msg: string, extra: Record<string, unknown> = {}): void {
  // Through stdoutLog: a stdout nobody reads any more (EPIPE) must not crash the primary or stop its shutdown.
  stdoutLog.write(JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, role: 'primary', ...extra, msg }) + '\n');
}

/** The Fastify logger options of a served bento or project: `BENTO_LOG_LEVEL` (default info), to stdoutLog. */
export function serverLogger(): { level: string; stream: typeof stdoutLog } {
  return { level: process.env.BENTO_LOG_LEVEL ?? 'info', stream: stdoutLog };
}

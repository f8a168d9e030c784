/**
 * JSON log lines for the cluster primary, in pino's shape (`level`, `time`, `pid`, `msg`) so they sit with
 * the workers' Fastify logs in one structured stream.
 */
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

export function logLine(level: keyof typeof LEVELS, msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(JSON.stringify({ level: LEVELS[level], time: Date.now(), pid: process.pid, role: 'primary', ...extra, msg }) + '\n');
}

/**
 * Per-request loggers made on first use. Fastify gives every request a pino child logger bound to its id;
 * making one costs more than a batched prediction, and almost every request logs nothing.
 */
import type { FastifyBaseLogger } from 'fastify';

type Bindings = Record<string, unknown>;
type LogFn = (...args: unknown[]) => void;

class LazyChild {
  private made: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: object,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.opts));
  }

  get level(): string {
    return this.made?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  fatal(...args: unknown[]): void {
    (this.log.fatal as LogFn)(...args);
  }
  error(...args: unknown[]): void {
    (this.log.error as LogFn)(...args);
  }
  warn(...args: unknown[]): void {
    (this.log.warn as LogFn)(...args);
  }
  info(...args: unknown[]): void {
    (this.log.info as LogFn)(...args);
  }
  debug(...args: unknown[]): void {
    (this.log.debug as LogFn)(...args);
  }
  trace(...args: unknown[]): void {
    (this.log.trace as LogFn)(...args);
  }
  silent(): void {}
  child(bindings: Bindings, opts?: object): FastifyBaseLogger {
    return this.log.child(bindings, opts);
  }
}

/** A Fastify `childLoggerFactory` whose loggers are created on first use. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, opts: object): FastifyBaseLogger {
  return new LazyChild(logger, bindings, opts) as unknown as FastifyBaseLogger;
}

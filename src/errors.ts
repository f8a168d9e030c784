/**
 * One table of coded errors. Every error a user can cause has a code, a message and an HTTP status here;
 * the CLI prints `code: message` and exits non-zero, the server answers
 * `{"error": message, "code": CODE, "details": [...]}`.
 *
 * @example
 *   throw new BentoError('TAG_NOT_FOUND', `no model matches "${tag}"`);
 */
export const ERROR_STATUS = {
  // user input to the CLI or the library
  BAD_ARGUMENT: 400,
  BAD_TAG: 400,
  TAG_NOT_FOUND: 404,
  TAG_AMBIGUOUS: 409,
  IN_USE: 409,
  ALREADY_EXISTS: 409,
  PORT_IN_USE: 409,
  BAD_DATA: 400,
  BAD_CONFIG: 400,
  /** The service's own code fails to compile or to load (a syntax error, an exception at import). */
  BAD_SERVICE: 400,
  BAD_ARCHIVE: 400,
  BAD_MODEL: 400,
  BENTO_CHANGED: 400,
  FILE_NOT_FOUND: 404,
  // HTTP request errors
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  /** The request's Accept names no format the API answers in. */
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  EXPECTATION_FAILED: 417,
  TOO_MANY_REQUESTS: 429,
  HEADERS_TOO_LARGE: 431,
  OVERLOADED: 503,
  NOT_READY: 503,
  TIMEOUT: 504,
  // environment
  MISSING_DEPENDENCY: 500,
  VERSION_MISMATCH: 500,
  BACKEND_UNAVAILABLE: 500,
  BACKEND_FAILED: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorDetail {
  /** JSON pointer (or file path/key) of what is wrong, e.g. "/3/rooms". */
  path: string;
  message: string;
}

/**
 * Marks a BentoError of any copy of this module (on the prototype: every instance, of this copy or another):
 * a CommonJS project's service.ts requires its own copy of the package (tsx compiles the ESM build for
 * require), where `instanceof` would take its errors for bugs.
 */
const BRAND = Symbol.for('bento-ts.BentoError');

export class BentoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'BentoError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = details;
  }

  /** The JSON body the server answers with. */
  toJSON(): { error: string; code: ErrorCode; details: ErrorDetail[] } {
    return { error: this.message, code: this.code, details: this.details };
  }
}
(BentoError.prototype as unknown as Record<symbol, boolean>)[BRAND] = true;

export function isBentoError(err: unknown): err is BentoError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}

// File-system mistakes a user can make (a path they gave), by Node's error code: one readable line, exit 1.
const FS_MISTAKES: Record<string, string> = { EISDIR: 'is a folder, not a file', ENOTDIR: 'is not a folder', EACCES: 'permission denied' };

/**
 * Any thrown value as a BentoError: itself, a Node file-system error a user can cause (a missing file is
 * FILE_NOT_FOUND; a folder for a file, not a folder, permission denied are BAD_ARGUMENT), else INTERNAL.
 */
export function fromThrown(err: unknown): BentoError {
  if (isBentoError(err)) return err;
  const e = err as (NodeJS.ErrnoException & { path?: string }) | undefined;
  if (e?.code === 'ENOENT' && e.path) return new BentoError('FILE_NOT_FOUND', `no such file: ${e.path}`);
  const fs = e?.code ? FS_MISTAKES[e.code] : undefined;
  if (fs) return new BentoError('BAD_ARGUMENT', `${e?.path ?? 'a path you gave'}: ${fs}`);
  return new BentoError('INTERNAL', e instanceof Error ? e.message : String(err));
}

/** The exit code a thrown value means: 1 for a user's mistake, 2 for an internal or environment failure. */
export function exitCodeFor(err: unknown): 1 | 2 {
  return fromThrown(err).status >= 500 ? 2 : 1;
}

/**
 * How a thrown value reads on a terminal, the one format of the CLI and a bento's entry: `CODE: message`,
 * then the details one per line when there are several; a stack trace only for an internal error, and
 * only when `debug` (BENTO_DEBUG) is set.
 *
 * @example
 *   process.stderr.write(formatError(err)); // "BAD_ARGUMENT: --port must be a port number (0-65535), not "x"\n"
 */
export function formatError(err: unknown, debug = Boolean(process.env.BENTO_DEBUG)): string {
  const e = fromThrown(err);
  let text = `${e.code}: ${e.message}\n`;
  if (e.details.length > 1) for (const d of e.details) text += `  ${d.path}: ${d.message}\n`;
  if (debug && e.code === 'INTERNAL') {
    const stack = (err instanceof Error ? err : e).stack;
    if (stack) text += `${stack}\n`;
  }
  return text;
}

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
  BAD_DATA: 400,
  BAD_CONFIG: 400,
  BAD_ARCHIVE: 400,
  BAD_MODEL: 400,
  FILE_NOT_FOUND: 404,
  // HTTP request errors
  BAD_REQUEST: 400,
  INVALID_INPUT: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
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
  /** JSON pointer (or file path/key) of what is wrong, e.g. "/3/Climb (m)". */
  path: string;
  message: string;
}

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

export function isBentoError(err: unknown): err is BentoError {
  return err instanceof BentoError;
}

/**
 * What a client call can fail with, as typed errors: the server answered with an error (`ServerError`, with
 * the server's own `code`, e.g. INVALID_INPUT or OVERLOADED), the server could not be reached
 * (`ConnectionError`), or the call ran out of time (`TimeoutError`). All are `BentoClientError`s.
 */

/** The base of every error the client throws; `code` is the server's code or the client's own. */
export class BentoClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BentoClientError';
  }
}

/** The server answered 4xx/5xx: its `{"error", "code", "details"}` body, the status and the request id. */
export class ServerError extends BentoClientError {
  constructor(
    message: string,
    code: string,
    readonly status: number,
    readonly details: Array<{ path: string; message: string }>,
    readonly requestId: string | undefined,
  ) {
    super(message, code);
    this.name = 'ServerError';
  }
}

/** The server could not be reached (refused, reset, DNS): `code` is the socket error's (e.g. ECONNREFUSED). */
export class ConnectionError extends BentoClientError {
  constructor(message: string, code: string, cause: unknown) {
    super(message, code, { cause });
    this.name = 'ConnectionError';
  }
}

/** The call (or `ready()`) did not finish within its timeout. */
export class TimeoutError extends BentoClientError {
  constructor(message: string) {
    super(message, 'TIMEOUT');
    this.name = 'TimeoutError';
  }
}

/** The caller's AbortSignal fired. */
export class AbortedError extends BentoClientError {
  constructor(message: string, cause: unknown) {
    super(message, 'ABORTED', { cause });
    this.name = 'AbortedError';
  }
}

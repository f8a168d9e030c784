/** `bento-ts/client`: the typed HTTP client of a bento service (see client.ts). */
export { BentoClient, BentoClientBase, type ApiInput, type ApiOutput, type CallOptions, type ClientOptions, type ServiceClient } from './client.js';
export { AbortedError, BentoClientError, ConnectionError, ServerError, TimeoutError } from './errors.js';
export { DEFAULT_RETRY, RETRY_STATUS, retryDelay, type RetryOptions } from './retry.js';

/**
 * Request ids: the client's `x-request-id` when it is a sane token, else one of ours. Shared by Fastify's
 * `genReqId` and the answers Node's own HTTP layer sends (raw-answers.ts), so every answer carries one.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
// Unique across workers and restarts without a random draw per request: a per-process prefix + a counter.
const ID_PREFIX = randomUUID().slice(0, 13);
let idCounter = 0;

export function requestId(req?: IncomingMessage): string {
  const given = req?.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : `${ID_PREFIX}-${(++idCounter).toString(36)}`;
}

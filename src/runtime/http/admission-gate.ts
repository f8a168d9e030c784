/**
 * The admission steps every model-running route takes (handler APIs, Open Inference Protocol infer): at the
 * door, before the body is read — readiness, a congested batcher, max_concurrency and the adaptive limit —
 * then a slot once the body has arrived (and passed validation), given back when the response closes.
 */
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { BentoError } from '../../errors.js';
import type { Admission } from '../batching/admission.js';
import { ShedError } from '../batching/batcher.js';
import type { Readiness } from './health.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admission interval an API request was let in at the door (Admission.door). */
    doorMark: number;
  }
}

/** The door: an onRequest hook refusing requests that would not be served. */
export function admissionDoor(readiness: Readiness, admission: Admission, congested: (request: FastifyRequest) => boolean = () => false): onRequestHookHandler {
  return (request, _reply, done) => {
    try {
      if (!readiness.ready) throw readiness.error();
      if (congested(request)) throw new ShedError('overloaded: the requests already waiting fill the latency budget; retry in 1 s', 1);
      request.doorMark = admission.door();
      done();
    } catch (err) {
      done(err as Error);
    }
  };
}

/**
 * Takes the request's slot once its body has arrived; it is given back when the response closes, judged
 * against `budgetMs()` (read then, so a request's own work can extend it).
 */
export function takeSlot(admission: Admission, request: FastifyRequest, reply: FastifyReply, budgetMs: () => number): void {
  admission.arrived(request.doorMark);
  // Gone while its body arrived: its 'close' has passed, so it must not take a slot it would never give back.
  if (reply.raw.destroyed) throw new BentoError('BAD_REQUEST', 'the client went away');
  admission.enter();
  reply.raw.once('close', () => admission.leave(reply.elapsedTime, budgetMs()));
}

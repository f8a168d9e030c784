/**
 * A failed listen as the user's mistake it is: a port in use, a port that needs privileges, a host that is
 * not this machine's — one line naming the port (or host) and the flag to change, exit 1 (never INTERNAL).
 */
import { BentoError, fromThrown } from '../../errors.js';

export function listenError(err: unknown, port: number, host: string): BentoError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new BentoError('PORT_IN_USE', `port ${port} is already in use on ${host}: stop what uses it, or choose another with --port`);
  if (code === 'EACCES') return new BentoError('BAD_ARGUMENT', `port ${port} needs privileges this process lacks: choose one above 1023 with --port`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new BentoError('BAD_ARGUMENT', `cannot listen on host ${host}: not an address of this machine (--host)`);
  return fromThrown(err);
}

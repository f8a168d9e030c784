/**
 * The bridge's bearer-token authentication. The token comes from an environment variable or a file; with
 * none, the bridge refuses to listen on anything but loopback (an open control service on a network is
 * how the original bridge let anyone overwrite the data).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { BentoError } from '../errors.js';

/** The environment variable holding the token. */
export const TOKEN_ENV = 'BENTO_BRIDGE_TOKEN';

/** The token: read from `tokenFile` (trimmed) when given, else `$BENTO_BRIDGE_TOKEN`; undefined when neither. */
export async function resolveToken(opts: { tokenFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string | undefined> {
  let token: string | undefined;
  if (opts.tokenFile !== undefined) {
    try {
      token = (await fs.readFile(opts.tokenFile, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BentoError('FILE_NOT_FOUND', `token file not found: ${opts.tokenFile}`);
      throw err;
    }
    if (token === '') throw new BentoError('BAD_ARGUMENT', `the token file ${opts.tokenFile} is empty`);
  } else token = (opts.env ?? process.env)[TOKEN_ENV] || undefined;
  if (token !== undefined && token.length < 16) throw new BentoError('BAD_ARGUMENT', 'the bridge token must be at least 16 characters');
  return token;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Refuses (BAD_ARGUMENT) to listen beyond loopback without a token. */
export function checkExposure(host: string, token: string | undefined): void {
  if (token === undefined && !LOOPBACK.has(host) && !host.startsWith('127.')) {
    throw new BentoError('BAD_ARGUMENT', `refusing to listen on ${host} without a token: set ${TOKEN_ENV} or pass --token-file FILE (or listen on 127.0.0.1)`);
  }
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Requires `Authorization: Bearer <token>` on every route but those in `open` (401 otherwise). */
export function requireToken(app: FastifyInstance, token: string, open: (url: string) => boolean): void {
  const want = digest(token); // equal lengths for timingSafeEqual, whatever was sent
  app.addHook('onRequest', async (request, reply) => {
    if (open(request.url)) return;
    const header = request.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (m && timingSafeEqual(digest(m[1]!.trim()), want)) return;
    void reply.header('www-authenticate', 'Bearer realm="bento-bridge"');
    throw new BentoError('UNAUTHORIZED', m ? 'the bearer token is not the bridge\'s' : 'this route needs "Authorization: Bearer <token>"');
  });
}

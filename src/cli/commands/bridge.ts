/** `bento bridge`: the loop's control service (new data, retraining jobs, what the stores hold). */
import { once } from 'node:events';
import { resolvePort } from '../../bento/port.js';
import { BentoError } from '../../errors.js';
import { checkExposure, resolveToken, TOKEN_ENV } from '../../bridge/auth.js';
import { createBridge } from '../../bridge/server.js';
import type { Command } from '../command.js';

export const bridge: Command = {
  summary: 'run the bridge: POST /data, POST /retrain (queued jobs behind a promotion gate), POST /promote, GET /jobs/{id}, /serving, /runs, /models, /data, /header',
  usage: 'bridge [--port 3030] [--host H] [--token-file FILE] [--conf DIR] [--dataset NAME] [--bento NAME] [--tolerance 0.05]',
  help: [
    `Every route but /livez and the docs (/docs, /docs.json) needs "Authorization: Bearer <token>", the token`,
    `from --token-file or ${TOKEN_ENV}. Without a token the bridge listens on loopback only, unauthenticated.`,
    'Jobs run one at a time and survive a restart (a job a crash cut off is marked failed).',
    'POST /promote {"bento": TAG} and POST /retrain {"promote": true} switch the running `bento serve … --production`',
    'servers of the service (found under $BENTO_HOME/serving/) to the bento without downtime.',
  ].join('\n'),
  options: {
    port: { type: 'string', short: 'p', arg: 'P', description: 'port (default 3030)' },
    host: { type: 'string', arg: 'H', description: 'address to listen on (default 127.0.0.1)' },
    'token-file': { type: 'string', arg: 'FILE', description: `file holding the bearer token (default: $${TOKEN_ENV})` },
    conf: { type: 'string', arg: 'DIR', description: 'conf folder with catalog.yml and parameters.yml (default conf/base)' },
    dataset: { type: 'string', arg: 'NAME', description: "dataset new rows go to (default named after the catalog's data file)" },
    bento: { type: 'string', arg: 'NAME', description: 'the served bento the gate compares with (default: the newest serving the model)' },
    tolerance: { type: 'string', arg: 'X', description: 'allowed relative worsening of MAE against the served model (default 0.05)' },
  },
  async run({ values }) {
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const port = str('port') === undefined ? 3030 : resolvePort(str('port'), {});
    const host = str('host') ?? '127.0.0.1';
    const token = await resolveToken({ ...(str('token-file') !== undefined ? { tokenFile: str('token-file') } : {}) });
    checkExposure(host, token);
    const tolerance = str('tolerance') === undefined ? undefined : Number(str('tolerance'));
    if (tolerance !== undefined && !(tolerance >= 0)) throw new BentoError('BAD_ARGUMENT', `--tolerance must be a number ≥ 0, not "${str('tolerance')}"`);
    const { app, jobs } = await createBridge({
      ...(token !== undefined ? { token } : {}),
      ...(str('conf') !== undefined ? { conf: str('conf') } : {}),
      ...(str('dataset') !== undefined ? { dataset: str('dataset') } : {}),
      ...(str('bento') !== undefined ? { bento: str('bento') } : {}),
      ...(tolerance !== undefined ? { tolerance } : {}),
      logger: true,
    });
    const address = await app.listen({ port, host });
    process.stderr.write(`bento bridge listening on ${address}${token === undefined ? ' (no token: loopback only)' : ''}\n`);
    // Stop taking requests on SIGTERM/SIGINT, let the running job finish, then exit.
    await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    await app.close();
    await jobs.stop();
  },
};

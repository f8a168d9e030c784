/**
 * The entry of a built bento: `src/service.cjs` (an esbuild bundle) calls
 * `runBento(svc, { bentoDir, argv })`, which reads the bento, then serves it in one process or, with
 * `--production`, in N workers. Never throws: a startup error is printed as the CLI prints it
 * (`formatError`) and exits with the CLI's code (1 for a user's mistake, 2 for an environment failure).
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { BENTO_INFO_FILE } from '../bento/bento-info.js';
import { exitCodeFor, formatError } from '../errors.js';
import type { ServiceDefinition } from '../sdk/index.js';
import { parseServeArgs } from './args.js';
import { applyBentoSettings, applyEnvs, readBento } from './load-bento.js';
import { goldenSamples } from './cluster/golden.js';
import { launch } from './cluster/launch.js';
import { serverLogger } from './cluster/log.js';
import { createServer } from './server.js';

export interface RunBentoOptions {
  bentoDir: string;
  argv: string[];
}

/**
 * @example
 *   // src/service.cjs of a bento
 *   runBento(() => require('./service.ts').svc, { bentoDir: path.resolve(__dirname, '..'), argv: process.argv.slice(2) });
 */
export async function runBento(svc: ServiceDefinition | (() => ServiceDefinition), opts: RunBentoOptions): Promise<void> {
  try {
    // The bundle passes a loader, so that an error while loading the service module is printed here too.
    const definition = typeof svc === 'function' ? svc() : svc;
    const flags = parseServeArgs(opts.argv);
    const bento = readBento(opts.bentoDir);
    // Not in a cluster primary: its environment is every worker's, and after a promotion the workers run
    // another bento, with its own envs (each worker applies its bento's).
    if (!(flags.production && cluster.isPrimary)) applyEnvs(bento.info);
    const service = applyBentoSettings(definition, bento.info, path.join(opts.bentoDir, BENTO_INFO_FILE));
    const tag = `${bento.info.name}:${bento.info.version}`;
    await launch({
      flags,
      label: tag,
      // BENTO_SERVE_TAG: what `bento serve TAG` was given, so a SIGHUP re-resolves `name:latest` as the user wrote it.
      bento: { tag, dir: opts.bentoDir, service: bento.info.name, startTag: process.env.BENTO_SERVE_TAG || `${bento.info.name}:latest` },
      golden: () => goldenSamples(service, bento.models),
      timeoutSeconds: service.traffic.timeout,
      makeServer: (production) =>
        createServer({
          service,
          models: bento.models,
          version: bento.info.version,
          logger: serverLogger(),
          bentoDir: opts.bentoDir,
          onnxruntimeVersion: bento.info.runtime?.onnxruntime_node,
          intraOpNumThreads: production ? 1 : undefined,
          swaggerUiDir: path.join(opts.bentoDir, 'env', 'node_modules', '@fastify', 'swagger-ui', 'static'),
          clusterMetrics: production,
        }),
    });
  } catch (err) {
    // The CLI's printer and exit-code rule: a user's mistake is one line and exit 1.
    process.stderr.write(formatError(err));
    process.exit(exitCodeFor(err));
  }
}

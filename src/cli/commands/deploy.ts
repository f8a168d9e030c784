/**
 * `bento deploy TAG --target compose|kubernetes -o DIR`: writes a production bundle around a bento and
 * prints its folder.
 */
import { BentoError } from '../../errors.js';
import { deploy as deployBundle } from '../../deploy/deploy.js';
import { DEPLOY_TARGETS, isDeployTarget } from '../../deploy/settings.js';
import type { Command } from '../command.js';

function wholeNumber(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new BentoError('BAD_ARGUMENT', `${flag} must be a whole number, not "${String(v)}"`);
  return Number(v);
}

function share(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new BentoError('BAD_ARGUMENT', `${flag} must be a number, not "${String(v)}"`);
  return n;
}

export const deploy: Command = {
  summary: 'write a production bundle (compose or Kubernetes, with Prometheus, Alertmanager and Grafana)',
  usage: 'deploy TAG --target compose|kubernetes -o DIR [--image IMG] [--port N] [--webhook-url URL] [--force]',
  positionals: { min: 1, max: 1 },
  options: {
    target: { type: 'string', arg: 'TARGET', description: `${DEPLOY_TARGETS.join(' or ')}` },
    output: { type: 'string', short: 'o', arg: 'DIR', description: 'the bundle\'s folder (must not exist or be empty, unless --force)' },
    image: { type: 'string', arg: 'IMG', description: 'the service image (default <bento name>:<version>, as bento containerize tags it)' },
    port: { type: 'string', arg: 'N', description: 'the service port in its container (default the bento\'s BENTOML_PORT, else 3000)' },
    'webhook-url': { type: 'string', arg: 'URL', description: 'Alertmanager\'s webhook receiver (default http://alert-receiver:5001/alerts)' },
    'alert-for': { type: 'string', arg: 'DURATION', description: 'how long a condition holds before an alert fires (default 1m)' },
    'p-value': { type: 'string', arg: 'ALPHA', description: 'a drift p-value below this alerts (default 0.05)' },
    'distance-threshold': { type: 'string', arg: 'X', description: 'a drift distance above this alerts (default 0.1)' },
    'latency-budget-ms': { type: 'string', arg: 'MS', description: 'p99 latency alert threshold (default the slowest API\'s max_latency_ms + 50)' },
    replicas: { type: 'string', arg: 'N', description: 'Kubernetes replicas and the autoscaler\'s minimum (default 2)' },
    namespace: { type: 'string', arg: 'NS', description: 'Kubernetes namespace (default "default")' },
    force: { type: 'boolean', description: 'replace a non-empty output folder' },
  },
  help: [
    'TAG is a bento tag (name, name:version, a version prefix) or a bento folder. The bundle\'s README.md',
    'says how to start it: `docker compose up -d` in DIR, or `kubectl apply -k DIR/kubernetes/`.',
    'Build the image first: `bento containerize TAG`.',
  ].join('\n'),
  async run({ values, positionals }) {
    const target = values.target;
    if (typeof target !== 'string') throw new BentoError('BAD_ARGUMENT', `bento deploy needs --target ${DEPLOY_TARGETS.join('|')}`);
    if (!isDeployTarget(target)) throw new BentoError('BAD_ARGUMENT', `--target "${target}": expected ${DEPLOY_TARGETS.join(' or ')}`);
    const out = values.output;
    if (typeof out !== 'string' || out === '') throw new BentoError('BAD_ARGUMENT', 'bento deploy needs -o DIR (the bundle\'s folder)');
    const budgetMs = share('--latency-budget-ms', values['latency-budget-ms']);
    const opt = <K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } => (v === undefined ? {} : ({ [key]: v } as { [P in K]: V }));
    const result = await deployBundle({
      bento: positionals[0]!,
      target,
      out,
      force: values.force === true,
      ...opt('image', values.image as string | undefined),
      ...opt('port', wholeNumber('--port', values.port)),
      ...opt('webhookUrl', values['webhook-url'] as string | undefined),
      ...opt('alertFor', values['alert-for'] as string | undefined),
      ...opt('pValueAlpha', share('--p-value', values['p-value'])),
      ...opt('distanceThreshold', share('--distance-threshold', values['distance-threshold'])),
      ...opt('latencyBudgetSeconds', budgetMs === undefined ? undefined : budgetMs / 1000),
      ...opt('replicas', wholeNumber('--replicas', values.replicas)),
      ...opt('namespace', values.namespace as string | undefined),
    });
    if (process.stderr.isTTY) {
      process.stderr.write(`Wrote the ${target} bundle of ${result.bento.name}:${result.bento.version} (${result.plan.files.length} files)\n`);
    }
    process.stdout.write(result.dir + '\n');
  },
};

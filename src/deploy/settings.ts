/**
 * What a production bundle is generated from: the bento's name, version, APIs and traffic settings, plus
 * the deploy options, resolved into one plain settings object (pure: no disk, no clock).
 */
import type { BentoInfo } from '../bento/bento-info.js';
import { resolvePort } from '../bento/port.js';
import { BentoError } from '../errors.js';
import { metricPrefix } from '../runtime/http/metrics.js';

export const DEPLOY_TARGETS = ['compose', 'kubernetes'] as const;
export type DeployTarget = (typeof DEPLOY_TARGETS)[number];

export function isDeployTarget(x: string): x is DeployTarget {
  return (DEPLOY_TARGETS as readonly string[]).includes(x);
}

/** The deploy options a user may set; every one has a default. */
export interface DeployOptions {
  /** Image of the service; default `<bento name>:<version>`, what `bento containerize` tags. */
  image?: string;
  /** Port the service listens on in its container; default the bento's docker.env port, else 3000. */
  port?: number;
  /** Alertmanager's default webhook receiver. */
  webhookUrl?: string;
  /** `for:` of every alert rule (the original used 1m). */
  alertFor?: string;
  /** Significance level of a drift test's p-value (KS); the service's default. */
  pValueAlpha?: number;
  /** Threshold of a drift distance (Wasserstein, Jensen–Shannon); the service's default. */
  distanceThreshold?: number;
  /** p99 latency budget, in seconds; default the slowest API's max_latency_ms + 50 ms. */
  latencyBudgetSeconds?: number;
  /** Kubernetes replicas (and the autoscaler's minimum). */
  replicas?: number;
  /** Kubernetes namespace of every object. */
  namespace?: string;
}

/** Everything the bundle's files are rendered from. */
export interface DeploySettings {
  service: string;
  version: string;
  image: string;
  port: number;
  /** `BENTOML_<service>_`. */
  prefix: string;
  /** The Prometheus job of the service, as the original monitoring project named it. */
  job: string;
  scrapeInterval: string;
  webhookUrl: string;
  alertFor: string;
  pValueAlpha: number;
  distanceThreshold: number;
  latencyBudgetSeconds: number;
  /** The longest a shutdown waits for accepted requests (the runtime's grace: traffic.timeout + 5 s). */
  drainSeconds: number;
  replicas: number;
  namespace: string;
  /** API names and routes, for the README and the dashboards. */
  apis: Array<{ name: string; route: string }>;
}

const DURATION = /^[0-9]+(ms|s|m|h)$/;

/** The bento and the user's options → settings; a bad option is BAD_ARGUMENT naming it. */
export function resolveDeploySettings(info: BentoInfo, opts: DeployOptions = {}): DeploySettings {
  const port = opts.port ?? resolvePort(undefined, info.docker.env);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new BentoError('BAD_ARGUMENT', `--port must be 1-65535, not ${port}`);
  const alertFor = opts.alertFor ?? '1m';
  if (!DURATION.test(alertFor)) throw new BentoError('BAD_ARGUMENT', `--alert-for "${alertFor}": expected a duration such as 30s, 1m or 5m`);
  const share = (x: number, flag: string): number => {
    if (!(x > 0 && x < 1)) throw new BentoError('BAD_ARGUMENT', `${flag} must be between 0 and 1, not ${x}`);
    return x;
  };
  const slowest = Math.max(0, ...info.apis.map((a) => a.max_latency_ms));
  const replicas = opts.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1) throw new BentoError('BAD_ARGUMENT', `--replicas must be a whole number ≥ 1, not ${replicas}`);
  const namespace = opts.namespace ?? 'default';
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new BentoError('BAD_ARGUMENT', `--namespace "${namespace}" is not a Kubernetes name`);
  const budget = opts.latencyBudgetSeconds ?? (slowest + 50) / 1000;
  if (!(budget > 0)) throw new BentoError('BAD_ARGUMENT', `the latency budget must be positive, not ${budget}`);
  return {
    service: info.name,
    version: info.version,
    image: opts.image ?? `${info.name}:${info.version}`,
    port,
    prefix: metricPrefix(info.name),
    job: 'bentoml',
    scrapeInterval: '10s',
    webhookUrl: opts.webhookUrl ?? 'http://alert-receiver:5001/alerts',
    alertFor,
    pValueAlpha: share(opts.pValueAlpha ?? 0.05, '--p-value'),
    distanceThreshold: share(opts.distanceThreshold ?? 0.1, '--distance-threshold'),
    latencyBudgetSeconds: budget,
    drainSeconds: info.traffic.timeout + 5,
    replicas,
    namespace,
    apis: info.apis.map((a) => ({ name: a.name, route: a.route })),
  };
}

/** A Kubernetes-safe name for the service (lowercase, dashes). */
export function k8sName(service: string): string {
  return service.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63) || 'bento';
}

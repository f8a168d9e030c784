/**
 * Prometheus' own configuration in a bundle: scrape the service as job `bentoml` every 10 s (as the
 * original monitoring project did), load the recording and alert rules, send alerts to Alertmanager.
 */
import type { DeploySettings } from './settings.js';

/** Where the bundle keeps Prometheus' files, relative to the bundle. */
export const PROMETHEUS_FILES = {
  config: 'prometheus/prometheus.yml',
  recording: 'prometheus/rules/recording.yml',
  alerts: 'prometheus/rules/alerts.yml',
  tests: 'prometheus/rules/tests.yml',
} as const;

export interface PrometheusConfig {
  global: { scrape_interval: string; evaluation_interval: string };
  rule_files: string[];
  alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
  scrape_configs: Array<{ job_name: string; scrape_interval?: string; metrics_path?: string; static_configs: Array<{ targets: string[] }> }>;
}

/**
 * prometheus.yml; `serviceHost` and `alertmanager` are addresses as Prometheus sees them (the compose
 * service names by default).
 */
export function prometheusConfig(s: DeploySettings, where: { serviceHost?: string; alertmanager?: string } = {}): PrometheusConfig {
  return {
    global: { scrape_interval: s.scrapeInterval, evaluation_interval: s.scrapeInterval },
    // Relative to this file: the same paths work in the container (/etc/prometheus) and for promtool.
    rule_files: ['rules/recording.yml', 'rules/alerts.yml'],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [where.alertmanager ?? 'alertmanager:9093'] }] }] },
    scrape_configs: [
      {
        job_name: s.job,
        scrape_interval: s.scrapeInterval,
        metrics_path: '/metrics',
        static_configs: [{ targets: [`${where.serviceHost ?? 'bento'}:${s.port}`] }],
      },
      { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
    ],
  };
}

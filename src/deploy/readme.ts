/**
 * The README written into a bundle: how to start it and what each file is.
 */
import { grafanaHostPort } from './compose.js';
import { JOB_LABEL } from './kubernetes.js';
import { alertRules, EVIDENTLY_SERIES } from './rules.js';
import type { DeploySettings, DeployTarget } from './settings.js';

export function bundleReadme(s: DeploySettings, target: DeployTarget, files: string[]): string {
  const lines: string[] = [
    `# ${s.service} ${s.version}: production bundle (${target})`,
    '',
    `Written by \`bento deploy ${s.service}:${s.version} --target ${target}\`. It serves the bento's image \`${s.image}\``,
    `on port ${s.port} and observes it: Prometheus scrapes job \`${s.job}\` every ${s.scrapeInterval}, recording rules give the`,
    'service\'s drift and data-quality gauges the names of the original Evidently series (so the original',
    'dashboards and alerts work unchanged), Alertmanager routes alerts, and Grafana shows two dashboards.',
    '',
    '## Start',
    '',
    'Build the image first (it is not in any registry yet):',
    '',
    '```sh',
    `npx bento containerize ${s.service}:${s.version}          # → ${s.image}`,
    '```',
    '',
  ];
  if (target === 'compose') {
    lines.push(
      '```sh',
      'docker compose up -d            # or: podman compose up -d',
      `BENTOML_PORT=8080 docker compose up -d    # the service on another host port (inside, it keeps ${s.port})`,
      '```',
      '',
      `Then: the service on http://localhost:${s.port}, Prometheus on :9090, Alertmanager on :9093, Grafana on`,
      `:${grafanaHostPort(s)} (admin / \`$GRAFANA_ADMIN_PASSWORD\`, default admin). Host ports: \`BENTOML_PORT\`,`,
      '`PROMETHEUS_PORT`, `ALERTMANAGER_PORT`, `GRAFANA_PORT`.',
      '',
    );
  } else {
    lines.push(
      'Push the image where the cluster can pull it and set it in `kubernetes/deployment.yaml`, then:',
      '',
      '```sh',
      'kubectl apply -k kubernetes/',
      '```',
      '',
      'The ServiceMonitor and PrometheusRule need the Prometheus Operator (kube-prometheus-stack); its',
      'Prometheus selects them by its own `ruleSelector`/`serviceMonitorSelector` (add its `release` label if it',
      `asks for one). The job is named \`${s.job}\` from the Service label \`${JOB_LABEL}\`. Grafana's dashboard`,
      'sidecar picks up the ConfigMap labelled `grafana_dashboard: "1"`. Without the operator, use',
      '`prometheus/` and `alertmanager/` as they are (the pods carry `prometheus.io/scrape` annotations).',
      '',
      'The container\'s root file system is read-only (only `/tmp` is writable): an API with the payload log',
      'on needs a volume mounted at its `payload_log.dir`.',
      '',
    );
  }
  lines.push(
    'Check the rules and their unit tests (Prometheus\' promtool):',
    '',
    '```sh',
    'promtool check config prometheus/prometheus.yml',
    'promtool test rules prometheus/rules/tests.yml',
    '```',
    '',
    '## Files',
    '',
    '| file | what |',
    '| --- | --- |',
  );
  const what: Record<string, string> = {
    'README.md': 'this file',
    'compose.yaml': 'the service, Prometheus, Alertmanager and Grafana',
    'prometheus/prometheus.yml': `scrape job \`${s.job}\` every ${s.scrapeInterval}; rule files; Alertmanager`,
    'prometheus/rules/recording.yml': 'the original `evidently:*` series, recorded from the service\'s metrics',
    'prometheus/rules/alerts.yml': 'the alert rules (below)',
    'prometheus/rules/tests.yml': '`promtool test rules` unit tests of both rule files',
    'alertmanager/alertmanager.yml': `grouped by alertname, resolved notices sent, to the webhook ${s.webhookUrl}`,
    'grafana/provisioning/datasources/prometheus.yml': 'the Prometheus datasource',
    'grafana/provisioning/dashboards/dashboards.yml': 'loads `grafana/dashboards/`',
    'kubernetes/kustomization.yaml': 'every object below, for `kubectl apply -k`',
    'kubernetes/deployment.yaml': `${s.replicas} replicas, non-root, probes /livez and /readyz, resources, a grace period longer than the drain`,
    'kubernetes/service.yaml': 'ClusterIP Service on the port `http`',
    'kubernetes/hpa.yaml': 'HorizontalPodAutoscaler on CPU (70 %)',
    'kubernetes/pdb.yaml': 'PodDisruptionBudget (one pod at a time)',
    'kubernetes/servicemonitor.yaml': `Prometheus Operator: scrape every ${s.scrapeInterval} as job \`${s.job}\``,
    'kubernetes/prometheusrule.yaml': 'Prometheus Operator: the same recording and alert rules',
    'kubernetes/grafana-dashboards.yaml': 'the dashboards as a ConfigMap for Grafana\'s sidecar',
  };
  for (const f of files) lines.push(`| \`${f}\` | ${what[f] ?? (f.endsWith('.json') ? 'a Grafana dashboard' : '')} |`);
  lines.push('', '## Series the original dashboards query', '', '| original | recorded from |', '| --- | --- |');
  for (const [orig, ours] of Object.entries(EVIDENTLY_SERIES)) lines.push(`| \`${orig}\` | \`${s.prefix}${ours}\` |`);
  lines.push('', '## Alerts', '', `Every alert waits \`for: ${s.alertFor}\`.`, '', '| alert | when |', '| --- | --- |');
  for (const r of alertRules(s).rules) lines.push(`| ${r.alert} | \`${r.expr.replace(/\|/g, '\\|')}\` |`);
  lines.push(
    '',
    'From the original rules: `DatabaseDrift` is `DatasetDrift`; `TargetDrift` (which fired on `drift > 0`, a',
    `p-value) is \`PredictionDrift\`, firing on a p-value below ${s.pValueAlpha}; \`HighCPUseconds\` (a counter that never`,
    'cleared) is `HighCPU`, on `rate()`.',
    '',
  );
  return lines.join('\n');
}

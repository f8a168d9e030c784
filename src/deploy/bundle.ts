/**
 * The plan of a production bundle: every file's path and content, computed without touching the disk.
 */
import YAML from 'yaml';
import type { BentoInfo } from '../bento/bento-info.js';
import { ALERTMANAGER_FILE, alertmanagerConfig } from './alertmanager.js';
import { COMPOSE_FILE, composeFile } from './compose.js';
import { dataDashboard, serviceDashboard } from './dashboards.js';
import { dashboardProvisioning, datasourceProvisioning, GRAFANA_FILES } from './grafana.js';
import { kubernetesObjects, kustomization } from './kubernetes.js';
import { PROMETHEUS_FILES, prometheusConfig } from './prometheus.js';
import { bundleReadme } from './readme.js';
import { ruleTests } from './rule-tests.js';
import { alertRules, recordingRules } from './rules.js';
import { resolveDeploySettings, type DeployOptions, type DeploySettings, type DeployTarget } from './settings.js';

export interface BundleFile {
  /** POSIX path relative to the bundle. */
  path: string;
  content: string;
}

export interface BundlePlan {
  target: DeployTarget;
  settings: DeploySettings;
  files: BundleFile[];
}

const HEADER = '# Written by `bento deploy`; see README.md.\n';
const yaml = (v: unknown): string => HEADER + YAML.stringify(v, { lineWidth: 0 });

/** The files of a bundle for `info` (a bento's bento.yaml) and `target`. */
export function planBundle(info: BentoInfo, target: DeployTarget, opts: DeployOptions = {}): BundlePlan {
  const s = resolveDeploySettings(info, opts);
  const dashboards = [serviceDashboard(s), dataDashboard(s)];
  const rel = (from: string, to: string): string => to.slice(from.lastIndexOf('/') + 1);
  const files: BundleFile[] = [
    { path: PROMETHEUS_FILES.config, content: yaml(prometheusConfig(s)) },
    { path: PROMETHEUS_FILES.recording, content: yaml({ groups: [recordingRules(s)] }) },
    { path: PROMETHEUS_FILES.alerts, content: yaml({ groups: [alertRules(s)] }) },
    { path: PROMETHEUS_FILES.tests, content: yaml(ruleTests(s, [rel(PROMETHEUS_FILES.tests, PROMETHEUS_FILES.recording), rel(PROMETHEUS_FILES.tests, PROMETHEUS_FILES.alerts)])) },
    { path: ALERTMANAGER_FILE, content: yaml(alertmanagerConfig(s)) },
    { path: GRAFANA_FILES.datasource, content: yaml(datasourceProvisioning()) },
    { path: GRAFANA_FILES.provider, content: yaml(dashboardProvisioning()) },
    ...dashboards.map((d) => ({ path: `${GRAFANA_FILES.dashboards}/${d.uid}.json`, content: JSON.stringify(d, null, 2) + '\n' })),
  ];
  if (target === 'compose') {
    files.push({ path: COMPOSE_FILE, content: yaml(composeFile(s)) });
  } else {
    const objects = kubernetesObjects(s, dashboards);
    for (const [file, obj] of objects) files.push({ path: `kubernetes/${file}`, content: yaml(obj) });
    files.push({ path: 'kubernetes/kustomization.yaml', content: yaml(kustomization(s, objects.map(([f]) => f))) });
  }
  const paths = ['README.md', ...files.map((f) => f.path)];
  files.unshift({ path: 'README.md', content: bundleReadme(s, target, paths) });
  return { target, settings: s, files };
}

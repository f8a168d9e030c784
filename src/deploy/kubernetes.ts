/**
 * The Kubernetes objects of a bundle, as plain objects (one file each, plus a kustomization so
 * `kubectl apply -k kubernetes/` starts it): Deployment, Service, HorizontalPodAutoscaler,
 * PodDisruptionBudget, and for the Prometheus Operator a ServiceMonitor and a PrometheusRule carrying the
 * same rules as prometheus/rules/, and the dashboards as a ConfigMap for Grafana's sidecar.
 */
import type { Dashboard } from './grafana.js';
import { alertRules, recordingRules } from './rules.js';
import { k8sName, type DeploySettings } from './settings.js';

/** The Service label whose value the ServiceMonitor uses as the job name (`bentoml`). */
export const JOB_LABEL = 'bento-ts/job';
/** The wait before the server is told to stop, so endpoints stop routing to the pod first. */
export const PRE_STOP_SECONDS = 5;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** File name (under kubernetes/) → object, in apply order. */
export function kubernetesObjects(s: DeploySettings, dashboards: Dashboard[]): Array<[file: string, obj: K8sObject]> {
  const name = k8sName(s.service);
  const selector = { 'app.kubernetes.io/name': name };
  const labels = { ...selector, 'app.kubernetes.io/version': s.version, 'app.kubernetes.io/managed-by': 'bento-deploy' };
  const meta = (suffix = '', extra: Record<string, string> = {}): K8sObject['metadata'] => ({
    name: name + suffix,
    namespace: s.namespace,
    labels: { ...labels, ...extra },
  });
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> => ({
    httpGet: { path, port: 'http' },
    periodSeconds,
    timeoutSeconds: 3,
    failureThreshold,
  });
  const deployment: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(),
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(s.port), 'prometheus.io/path': '/metrics' },
        },
        spec: {
          // Longer than the pre-stop wait plus the server's own drain: Kubernetes never kills a request
          // being answered.
          terminationGracePeriodSeconds: PRE_STOP_SECONDS + s.drainSeconds + 10,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'bento',
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: s.port, protocol: 'TCP' }],
              env: [{ name: 'BENTOML_PORT', value: String(s.port) }],
              startupProbe: probe('/livez', 2, 30),
              livenessProbe: probe('/livez', 10, 3),
              readinessProbe: probe('/readyz', 5, 2),
              resources: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '2', memory: '1Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              // The image has node and nothing else certain: wait with it.
              lifecycle: { preStop: { exec: { command: ['node', '-e', `setTimeout(() => {}, ${PRE_STOP_SECONDS * 1000})`] } } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const service: K8sObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('', { [JOB_LABEL]: s.job }),
    spec: { type: 'ClusterIP', selector, ports: [{ name: 'http', port: s.port, targetPort: 'http', protocol: 'TCP' }] },
  };
  const hpa: K8sObject = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta(),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: s.replicas,
      maxReplicas: Math.max(s.replicas * 5, s.replicas + 1),
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  };
  const pdb: K8sObject = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(),
    // maxUnavailable rather than minAvailable: a single replica can still be drained.
    spec: { maxUnavailable: 1, selector: { matchLabels: selector } },
  };
  const serviceMonitor: K8sObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: meta(),
    spec: {
      jobLabel: JOB_LABEL,
      selector: { matchLabels: selector },
      namespaceSelector: { matchNames: [s.namespace] },
      // honorLabels: our `endpoint` label (the route) must not become `exported_endpoint`.
      endpoints: [{ port: 'http', path: '/metrics', interval: s.scrapeInterval, honorLabels: true }],
    },
  };
  const prometheusRule: K8sObject = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: meta(),
    spec: { groups: [recordingRules(s), alertRules(s)] },
  };
  const dashboardsMap: K8sObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('-dashboards', { grafana_dashboard: '1' }),
    data: Object.fromEntries(dashboards.map((d) => [`${d.uid}.json`, JSON.stringify(d, null, 2)])),
  };
  return [
    ['deployment.yaml', deployment],
    ['service.yaml', service],
    ['hpa.yaml', hpa],
    ['pdb.yaml', pdb],
    ['servicemonitor.yaml', serviceMonitor],
    ['prometheusrule.yaml', prometheusRule],
    ['grafana-dashboards.yaml', dashboardsMap],
  ];
}

export function kustomization(s: DeploySettings, files: string[]): Record<string, unknown> {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', namespace: s.namespace, resources: files };
}

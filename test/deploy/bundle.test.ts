// The bundle's files, generated in memory from a bento.yaml: every Kubernetes object against the
// Kubernetes (and Prometheus Operator) schemas, the compose file, the dashboards against Grafana's
// dashboard model, Alertmanager's routing, the README, and the settings a user can get wrong.
import t from 'tap';
import YAML from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { planBundle } from '../../src/deploy/bundle.js';
import { DATASOURCE } from '../../src/deploy/grafana.js';
import { alertRules, ORIGINAL_DASHBOARD_QUERIES, originalTrafficQueries, recordingRules } from '../../src/deploy/rules.js';
import { resolveDeploySettings } from '../../src/deploy/settings.js';
import { bentoInfo, planned } from './fixture.js';
import { composeProblems } from './compose-schema.js';
import { dashboardProblems } from './dashboard-schema.js';

const P = 'BENTOML_activities_model_';

interface Validatable {
  validate(): void;
}
const MODELS: Record<string, new (data: never) => Validatable> = {
  Deployment: Deployment as never,
  Service: Service as never,
  HorizontalPodAutoscaler: HorizontalPodAutoscaler as never,
  PodDisruptionBudget: PodDisruptionBudget as never,
  ConfigMap: ConfigMap as never,
  ServiceMonitor: ServiceMonitor as never,
  PrometheusRule: PrometheusRule as never,
};

t.test('kubernetes: every object is valid against its schema, and says what production needs', async (t) => {
  const plan = planBundle(bentoInfo(), 'kubernetes', { replicas: 3, namespace: 'ml' });
  const k8sFiles = plan.files.filter((f) => f.path.startsWith('kubernetes/') && f.path !== 'kubernetes/kustomization.yaml');
  const kinds = new Map<string, Record<string, any>>();
  for (const f of k8sFiles) {
    const obj = YAML.parse(f.content) as Record<string, any>;
    const Model = MODELS[obj.kind];
    t.ok(Model, `${f.path}: a kind the test knows (${obj.kind})`);
    if (!Model) continue;
    t.doesNotThrow(() => new Model(obj as never).validate(), `${f.path} (${obj.kind}) is valid`);
    t.equal(obj.metadata.namespace, 'ml', `${f.path} in the namespace asked for`);
    kinds.set(obj.kind, obj);
  }
  t.same([...kinds.keys()].sort(), ['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'ServiceMonitor']);

  const kust = YAML.parse(planned(plan, 'kubernetes/kustomization.yaml')) as { resources: string[] };
  t.same(kust.resources.map((r) => `kubernetes/${r}`).sort(), k8sFiles.map((f) => f.path).sort(), 'the kustomization applies every object');

  const dep = kinds.get('Deployment')!;
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  t.equal(dep.spec.replicas, 3);
  t.equal(c.image, 'activities_model:0123456789abcdef', 'the image bento containerize tags');
  t.same(c.ports, [{ name: 'http', containerPort: 3005, protocol: 'TCP' }], 'the bento\'s port');
  t.same(c.env, [{ name: 'BENTOML_PORT', value: '3005' }]);
  t.equal(c.livenessProbe.httpGet.path, '/livez');
  t.equal(c.readinessProbe.httpGet.path, '/readyz');
  t.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, 'requests and limits');
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.equal(pod.securityContext.runAsUser, 10001, 'the image\'s own uid');
  t.equal(c.securityContext.allowPrivilegeEscalation, false);
  // The runtime drains for traffic.timeout + 5 s (60 + 5 here); the pod gets the pre-stop wait on top.
  t.ok(pod.terminationGracePeriodSeconds > 65 + 5, `grace ${pod.terminationGracePeriodSeconds} s is longer than the drain and the pre-stop wait`);

  const svc = kinds.get('Service')!;
  t.same(svc.spec.selector, dep.spec.selector.matchLabels, 'the Service selects the pods');
  t.same(kinds.get('PodDisruptionBudget')!.spec.selector.matchLabels, dep.spec.selector.matchLabels);
  t.equal(kinds.get('HorizontalPodAutoscaler')!.spec.scaleTargetRef.name, dep.metadata.name);
  t.equal(kinds.get('HorizontalPodAutoscaler')!.spec.minReplicas, 3);

  const sm = kinds.get('ServiceMonitor')!;
  t.same(sm.spec.selector.matchLabels, dep.spec.selector.matchLabels);
  t.equal(svc.metadata.labels[sm.spec.jobLabel], 'bentoml', 'the job is named bentoml, as the original scraped it');
  t.equal(sm.spec.endpoints[0].interval, '10s');
  t.equal(sm.spec.endpoints[0].honorLabels, true, 'our endpoint label is kept, not renamed exported_endpoint');

  const s = resolveDeploySettings(bentoInfo(), { replicas: 3, namespace: 'ml' });
  t.same(kinds.get('PrometheusRule')!.spec.groups, JSON.parse(JSON.stringify([recordingRules(s), alertRules(s)])), 'the same rules as prometheus/rules/');
  const cm = kinds.get('ConfigMap')!;
  t.equal(cm.metadata.labels.grafana_dashboard, '1', 'labelled for Grafana\'s dashboard sidecar');
  t.equal(Object.keys(cm.data).length, 2, 'both dashboards');

  t.throws(() => new Deployment({ ...dep, spec: { ...dep.spec, replicas: 'two' } } as never).validate(), 'the validation can fail');
});

t.test('compose: the service image, Prometheus, Alertmanager and Grafana on the bundle\'s files', async (t) => {
  const plan = planBundle(bentoInfo(), 'compose', { port: 3005 });
  const compose = YAML.parse(planned(plan, 'compose.yaml')) as { services: Record<string, any>; volumes: Record<string, unknown> };
  t.same(composeProblems(compose), [], 'valid against the Compose Specification\'s schema');
  t.not(composeProblems({ ...compose, services: { ...compose.services, bento: { ...compose.services.bento, port: 3005 } } }).length, 0, 'the schema check can fail');
  t.same(Object.keys(compose.services).sort(), ['alertmanager', 'bento', 'grafana', 'prometheus']);
  const bento = compose.services.bento;
  t.equal(bento.image, 'activities_model:0123456789abcdef');
  t.same(bento.environment, { BENTOML_PORT: '3005' });
  t.same(bento.ports, ['${BENTOML_PORT:-3005}:3005'], 'the host port is settable with BENTOML_PORT, as the original used 3005');
  t.ok(parseInt(bento.stop_grace_period, 10) > 65, 'compose waits longer than the server drains');
  const files = new Set(plan.files.map((f) => f.path.split('/')[0]));
  for (const [name, svc] of Object.entries(compose.services)) {
    t.match(svc.image, /^[a-z0-9._/-]+:[A-Za-z0-9._-]+$/, `${name}: a pinned image`);
    for (const v of (svc.volumes ?? []) as string[]) {
      const [from] = v.split(':');
      if (from!.startsWith('./')) t.ok(files.has(from!.slice(2).split('/')[0]!), `${name} mounts ${from}, which the bundle has`);
      else t.ok(from! in compose.volumes, `${name}: named volume ${from} is declared`);
    }
  }
  t.match(compose.services.prometheus.command, ['--config.file=/etc/prometheus/prometheus.yml']);
  const prom = YAML.parse(planned(plan, 'prometheus/prometheus.yml'));
  const job = prom.scrape_configs.find((j: { job_name: string }) => j.job_name === 'bentoml');
  t.same(job.static_configs[0].targets, ['bento:3005'], 'Prometheus scrapes the compose service on its port');
  t.equal(job.scrape_interval, '10s');
  t.same(prom.alerting.alertmanagers[0].static_configs[0].targets, ['alertmanager:9093']);
  t.notOk(plan.files.some((f) => f.path.startsWith('kubernetes/')), 'no Kubernetes files in a compose bundle');
});

t.test('Grafana: provisioning and dashboards by Grafana\'s model, with the original panels and the new ones', async (t) => {
  const plan = planBundle(bentoInfo(), 'compose');
  const ds = YAML.parse(planned(plan, 'grafana/provisioning/datasources/prometheus.yml'));
  t.match(ds.datasources, [{ type: 'prometheus', uid: DATASOURCE.uid, url: 'http://prometheus:9090', isDefault: true }]);
  const provider = YAML.parse(planned(plan, 'grafana/provisioning/dashboards/dashboards.yml'));
  t.equal(provider.providers[0].options.path, '/var/lib/grafana/dashboards', 'where compose mounts grafana/dashboards');
  const dashboards = plan.files.filter((f) => f.path.startsWith('grafana/dashboards/')).map((f) => JSON.parse(f.content));
  t.equal(dashboards.length, 2);
  for (const d of dashboards) t.same(dashboardProblems(d, DATASOURCE.uid), [], `${d.title}: a valid dashboard`);
  const exprs = dashboards.flatMap((d) => d.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((x) => x.expr)));
  for (const q of [...ORIGINAL_DASHBOARD_QUERIES, ...originalTrafficQueries(P)]) t.ok(exprs.includes(q), `the original query ${q} is a panel's, unchanged`);
  const titles = dashboards.flatMap((d) => d.panels.map((p: { title: string }) => p.title)).join(' | ');
  for (const want of [/p50 \/ p95 \/ p99/, /status code/, /In flight/, /Batch size/, /Inference time/, /per feature/, /Data quality/]) t.match(titles, want);
  t.same(dashboardProblems({ ...dashboards[0], panels: [{ ...dashboards[0].panels[0], gridPos: { x: 20, y: 0, w: 8, h: 4 } }] }, DATASOURCE.uid), ['"Requests (total)" goes past the 24th column'], 'the check can fail');
});

t.test('Alertmanager: grouped by alertname, resolved notices, a webhook receiver', async (t) => {
  const plan = planBundle(bentoInfo(), 'compose', { webhookUrl: 'http://hooks.example:9000/x' });
  const am = YAML.parse(planned(plan, 'alertmanager/alertmanager.yml'));
  t.same(am.route.group_by, ['alertname']);
  const receiver = am.receivers.find((r: { name: string }) => r.name === am.route.receiver);
  t.same(receiver.webhook_configs, [{ url: 'http://hooks.example:9000/x', send_resolved: true }]);
});

t.test('the README says how to start the bundle and what each file is', async (t) => {
  for (const target of ['compose', 'kubernetes'] as const) {
    const plan = planBundle(bentoInfo(), target);
    const readme = planned(plan, 'README.md');
    t.match(readme, target === 'compose' ? /docker compose up -d/ : /kubectl apply -k kubernetes\//);
    t.match(readme, /bento containerize activities_model:0123456789abcdef/);
    for (const f of plan.files) t.match(readme, `| \`${f.path}\` |`, `${target}: the README lists ${f.path}`);
    t.match(readme, /promtool test rules prometheus\/rules\/tests.yml/);
  }
});

t.test('settings: defaults from the bento, mistakes named', async (t) => {
  const s = resolveDeploySettings(bentoInfo());
  t.equal(s.port, 3005, 'the bento\'s BENTOML_PORT');
  t.equal(s.latencyBudgetSeconds, 0.25, 'max_latency_ms + 50 ms');
  t.equal(s.drainSeconds, 65);
  t.equal(resolveDeploySettings(bentoInfo({ docker: { base_image: 'x', env: {}, system_packages: [] } })).port, 3000);
  t.throws(() => resolveDeploySettings(bentoInfo(), { alertFor: 'soon' }), { code: 'BAD_ARGUMENT', message: /--alert-for "soon"/ });
  t.throws(() => resolveDeploySettings(bentoInfo(), { pValueAlpha: 1.5 }), { code: 'BAD_ARGUMENT', message: /--p-value/ });
  t.throws(() => resolveDeploySettings(bentoInfo(), { namespace: 'Not_A_Name' }), { code: 'BAD_ARGUMENT', message: /--namespace/ });
  t.throws(() => resolveDeploySettings(bentoInfo(), { replicas: 0 }), { code: 'BAD_ARGUMENT', message: /--replicas/ });
});

/**
 * The compose file of a bundle: the service image (from `bento containerize`), Prometheus, Alertmanager
 * and Grafana, each reading its files from the bundle. `docker compose up -d` (or `podman compose`).
 */
import { ALERTMANAGER_FILE } from './alertmanager.js';
import type { DeploySettings } from './settings.js';

export const COMPOSE_FILE = 'compose.yaml';

/** Images of the monitoring stack, pinned so a bundle starts the same stack tomorrow. */
export const STACK_IMAGES = {
  prometheus: 'prom/prometheus:v2.53.2',
  alertmanager: 'prom/alertmanager:v0.27.0',
  grafana: 'grafana/grafana:11.2.0',
} as const;

export interface ComposeService {
  image: string;
  restart: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
  stop_grace_period?: string;
}

/** No top-level `name`: older compose tools refuse it, and the project takes the bundle folder's name. */
export interface ComposeFile {
  services: Record<'bento' | 'prometheus' | 'alertmanager' | 'grafana', ComposeService>;
  volumes: Record<string, Record<string, never>>;
}

/** Grafana's host port: its usual 3000, unless the service has it. */
export function grafanaHostPort(s: DeploySettings): number {
  return s.port === 3000 ? 3001 : 3000;
}

export function composeFile(s: DeploySettings): ComposeFile {
  const alertmanagerDir = ALERTMANAGER_FILE.slice(0, ALERTMANAGER_FILE.lastIndexOf('/'));
  return {
    services: {
      bento: {
        image: s.image,
        restart: 'unless-stopped',
        // The port inside is fixed (Prometheus scrapes it); the host port is settable at `up` time.
        environment: { BENTOML_PORT: String(s.port) },
        ports: [`\${BENTOML_PORT:-${s.port}}:${s.port}`],
        // Longer than the server's own drain, so compose never kills a request being answered.
        stop_grace_period: `${s.drainSeconds + 5}s`,
      },
      prometheus: {
        image: STACK_IMAGES.prometheus,
        restart: 'unless-stopped',
        command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.enable-lifecycle'],
        volumes: ['./prometheus:/etc/prometheus:ro', 'prometheus-data:/prometheus'],
        ports: ['${PROMETHEUS_PORT:-9090}:9090'],
        depends_on: ['bento', 'alertmanager'],
      },
      alertmanager: {
        image: STACK_IMAGES.alertmanager,
        restart: 'unless-stopped',
        command: ['--config.file=/etc/alertmanager/alertmanager.yml'],
        volumes: [`./${alertmanagerDir}:/etc/alertmanager:ro`],
        ports: ['${ALERTMANAGER_PORT:-9093}:9093'],
      },
      grafana: {
        image: STACK_IMAGES.grafana,
        restart: 'unless-stopped',
        environment: { GF_SECURITY_ADMIN_PASSWORD: '${GRAFANA_ADMIN_PASSWORD:-admin}', GF_USERS_ALLOW_SIGN_UP: 'false' },
        volumes: ['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro', 'grafana-data:/var/lib/grafana'],
        ports: [`\${GRAFANA_PORT:-${grafanaHostPort(s)}}:3000`],
        depends_on: ['prometheus'],
      },
    },
    volumes: { 'prometheus-data': {}, 'grafana-data': {} },
  };
}

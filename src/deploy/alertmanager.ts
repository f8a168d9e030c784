/**
 * Alertmanager's configuration in a bundle: alerts grouped by name with resolved notices sent (as the
 * original routed them), to one webhook receiver by default.
 */
import type { DeploySettings } from './settings.js';

export const ALERTMANAGER_FILE = 'alertmanager/alertmanager.yml';

export interface AlertmanagerConfig {
  route: { receiver: string; group_by: string[]; group_wait: string; group_interval: string; repeat_interval: string };
  receivers: Array<{ name: string; webhook_configs: Array<{ url: string; send_resolved: boolean }> }>;
}

export function alertmanagerConfig(s: DeploySettings): AlertmanagerConfig {
  return {
    route: { receiver: 'webhook', group_by: ['alertname'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: s.webhookUrl, send_resolved: true }] }],
  };
}

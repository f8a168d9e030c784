/**
 * The part of Grafana's dashboard JSON model (schemaVersion 36+) that provisioning reads, as a JSON Schema,
 * plus the checks a schema cannot say: unique panel ids, panels inside the 24-column grid and not
 * overlapping, every panel on a provisioned datasource.
 */
import { Ajv } from 'ajv';

const PANEL_TYPES = ['timeseries', 'stat', 'table', 'gauge', 'bargauge', 'text', 'row', 'piechart', 'heatmap'];

export const DASHBOARD_SCHEMA = {
  type: 'object',
  required: ['uid', 'title', 'schemaVersion', 'panels', 'time'],
  properties: {
    uid: { type: 'string', pattern: '^[a-zA-Z0-9_-]{1,40}$' },
    title: { type: 'string', minLength: 1 },
    tags: { type: 'array', items: { type: 'string' } },
    schemaVersion: { type: 'integer', minimum: 36 },
    version: { type: 'integer' },
    refresh: { type: 'string' },
    time: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string' }, to: { type: 'string' } } },
    templating: { type: 'object', required: ['list'] },
    annotations: { type: 'object', required: ['list'] },
    panels: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['id', 'type', 'title', 'gridPos', 'datasource', 'targets'],
        properties: {
          id: { type: 'integer', minimum: 1 },
          type: { enum: PANEL_TYPES },
          title: { type: 'string', minLength: 1 },
          gridPos: {
            type: 'object',
            required: ['h', 'w', 'x', 'y'],
            properties: {
              h: { type: 'integer', minimum: 1 },
              w: { type: 'integer', minimum: 1, maximum: 24 },
              x: { type: 'integer', minimum: 0, maximum: 23 },
              y: { type: 'integer', minimum: 0 },
            },
          },
          datasource: { type: 'object', required: ['type', 'uid'], properties: { type: { const: 'prometheus' }, uid: { type: 'string' } } },
          targets: {
            type: 'array',
            minItems: 1,
            items: { type: 'object', required: ['refId', 'expr'], properties: { refId: { type: 'string', pattern: '^[A-Z]$' }, expr: { type: 'string', minLength: 1 } } },
          },
          fieldConfig: { type: 'object', required: ['defaults', 'overrides'] },
        },
      },
    },
  },
} as const;

interface LaidPanel {
  id: number;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: { uid: string };
}

/** Every problem with `dash` as a Grafana dashboard on datasource `datasourceUid` (empty when none). */
export function dashboardProblems(dash: unknown, datasourceUid: string): string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(DASHBOARD_SCHEMA);
  if (!validate(dash)) return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  const panels = (dash as { panels: LaidPanel[] }).panels;
  const out: string[] = [];
  const ids = new Set<number>();
  for (const p of panels) {
    if (ids.has(p.id)) out.push(`panel id ${p.id} used twice`);
    ids.add(p.id);
    if (p.gridPos.x + p.gridPos.w > 24) out.push(`"${p.title}" goes past the 24th column`);
    if (p.datasource.uid !== datasourceUid) out.push(`"${p.title}" uses datasource ${p.datasource.uid}, not the provisioned ${datasourceUid}`);
  }
  for (const [i, a] of panels.entries()) {
    for (const b of panels.slice(i + 1)) {
      const g = a.gridPos;
      const h = b.gridPos;
      if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) out.push(`"${a.title}" overlaps "${b.title}"`);
    }
  }
  return out;
}

/**
 * Grafana provisioning of a bundle: the Prometheus datasource, a dashboard provider reading
 * `grafana/dashboards/`, and the dashboard model (the subset of Grafana's JSON model we write).
 */

/** The datasource every panel names, by uid. */
export const DATASOURCE = { type: 'prometheus', uid: 'prometheus' } as const;

export const GRAFANA_FILES = {
  datasource: 'grafana/provisioning/datasources/prometheus.yml',
  provider: 'grafana/provisioning/dashboards/dashboards.yml',
  dashboards: 'grafana/dashboards',
} as const;

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  format?: 'time_series' | 'table';
}

export interface Panel {
  id: number;
  type: 'timeseries' | 'stat' | 'table';
  title: string;
  description?: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource: typeof DATASOURCE;
  targets: Target[];
  fieldConfig: { defaults: { unit?: string; min?: number; max?: number }; overrides: [] };
  options: Record<string, unknown>;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: 'browser';
  schemaVersion: number;
  version: number;
  editable: boolean;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: [] };
  annotations: { list: [] };
  panels: Panel[];
}

export function datasourceProvisioning(prometheusUrl = 'http://prometheus:9090'): unknown {
  return {
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', type: DATASOURCE.type, uid: DATASOURCE.uid, access: 'proxy', url: prometheusUrl, isDefault: true, editable: false }],
  };
}

export function dashboardProvisioning(path = '/var/lib/grafana/dashboards'): unknown {
  return {
    apiVersion: 1,
    providers: [{ name: 'bento', folder: 'BentoML', type: 'file', disableDeletion: false, allowUiUpdates: true, options: { path } }],
  };
}

export interface PanelSpec {
  type?: Panel['type'];
  title: string;
  description?: string;
  unit?: string;
  /** One query, or several with their legends. */
  queries: Array<string | [expr: string, legend: string]>;
  /** Width in grid columns (of 24); default 12. */
  w?: number;
  h?: number;
}

/** Lays panels out left to right, wrapping at 24 columns, and numbers them. */
export function dashboard(uid: string, title: string, tags: string[], specs: PanelSpec[]): Dashboard {
  let x = 0;
  let y = 0;
  let rowH = 0;
  const panels = specs.map((spec, i): Panel => {
    const w = spec.w ?? 12;
    const h = spec.h ?? 8;
    if (x + w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    const gridPos = { h, w, x, y };
    x += w;
    rowH = Math.max(rowH, h);
    const type = spec.type ?? 'timeseries';
    return {
      id: i + 1,
      type,
      title: spec.title,
      ...(spec.description ? { description: spec.description } : {}),
      gridPos,
      datasource: DATASOURCE,
      targets: spec.queries.map((q, j) => {
        const [expr, legend] = typeof q === 'string' ? [q, undefined] : q;
        return {
          refId: String.fromCharCode(65 + j),
          expr,
          ...(legend ? { legendFormat: legend } : {}),
          ...(type === 'table' ? { instant: true, format: 'table' as const } : {}),
        };
      }),
      fieldConfig: { defaults: spec.unit ? { unit: spec.unit } : {}, overrides: [] },
      options: type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value' } : {},
    };
  });
  return {
    uid,
    title,
    tags,
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/**
 * A drift report as one self-contained HTML page: inline CSS and SVG, no script that runs, nothing
 * fetched. Every number shown carries its exact value in `data-value`, and the whole report is embedded
 * as JSON (`<script type="application/json" id="drift-report">`), so a reader or a test can check the page.
 */
import type { DriftReport, Histogram, TestReport } from './report.js';
import { reportJson } from './report.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** How the page shows a number: 4 significant digits, whole numbers as they are, "—" for none. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** A table cell of a number, its exact value in data-value and what it is in data-key. */
function num(key: string, x: number | null | undefined): string {
  const exact = x === null || x === undefined || !Number.isFinite(x) ? '' : String(x);
  return `<td class="num" data-key="${esc(key)}" data-value="${exact}">${formatNumber(x)}</td>`;
}

function svgHistogram(h: Histogram, label: string): string {
  const W = 360;
  const H = 120;
  const pad = 18;
  const n = h.reference.length;
  const top = Math.max(...h.reference, ...h.current, 1e-12);
  const bw = (W - 2 * pad) / n;
  const bar = (v: number, i: number, cls: string, shift: number): string => {
    const bh = (v / top) * (H - 2 * pad);
    return `<rect class="${cls}" x="${(pad + i * bw + shift).toFixed(2)}" y="${(H - pad - bh).toFixed(2)}" width="${(bw / 2).toFixed(2)}" height="${bh.toFixed(2)}"/>`;
  };
  return [
    `<svg class="hist" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}">`,
    ...h.reference.map((v, i) => bar(v, i, 'ref', 0)),
    ...h.current.map((v, i) => bar(v, i, 'cur', bw / 2)),
    `<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" class="axis"/>`,
    `<text x="${pad}" y="${H - 4}">${formatNumber(h.edges[0])}</text>`,
    `<text x="${W - pad}" y="${H - 4}" text-anchor="end">${formatNumber(h.edges[h.edges.length - 1])}</text>`,
    '</svg>',
  ].join('');
}

function testCells(t: TestReport): string {
  return [
    `<td data-key="stat_test">${esc(t.stat_test)}</td>`,
    num('statistic', t.statistic),
    num('p_value', t.p_value),
    num('threshold', t.threshold),
    num('psi', t.psi),
    `<td data-key="verdict" class="${t.drifted ? 'drift' : 'ok'}">${t.verdict}</td>`,
  ].join('');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.drift{color:#b00020;font-weight:600}.ok{color:#1b5e20}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px}
.card b{display:block;font-size:20px}
.features{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:16px}
.feature{border:1px solid #ddd;border-radius:6px;padding:8px}
svg.hist rect.ref{fill:#9e9e9e}svg.hist rect.cur{fill:#ef6c00}svg.hist .axis{stroke:#555}svg.hist text{font-size:10px;fill:#555}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px}
`;

/** The report as one HTML page. */
export function reportHtml(r: DriftReport): string {
  const s = r.summary;
  const card = (key: string, label: string, v: number | boolean): string =>
    `<div class="card" data-key="${key}" data-value="${typeof v === 'boolean' ? String(v) : v}">${esc(label)}<b>${typeof v === 'boolean' ? (v ? 'yes' : 'no') : formatNumber(v)}</b></div>`;
  const featureRows = r.features.map((f) => `<tr data-feature="${esc(f.feature)}"><td>${esc(f.feature)}</td>${testCells(f)}</tr>`).join('\n');
  const qualityRows = r.features
    .map((f) => {
      const q = f.quality;
      const c = r.correlations[f.feature];
      return `<tr data-feature="${esc(f.feature)}"><td>${esc(f.feature)}</td>${num('count', q.count)}${num('missing_count', q.missing_count)}${num('infinite_count', q.infinite_count)}${num('min', q.min)}${num('max', q.max)}${num('mean', q.mean)}${num('most_common_value', q.most_common_value)}${num('correlation_current', c?.current)}${num('correlation_reference', c?.reference)}</tr>`;
    })
    .join('\n');
  const panels = r.features
    .map(
      (f) =>
        `<div class="feature" data-feature="${esc(f.feature)}"><h3>${esc(f.feature)} <span class="${f.drifted ? 'drift' : 'ok'}">${f.verdict}</span></h3>${svgHistogram(f.histogram, `${f.feature}: reference vs current`)}</div>`,
    )
    .join('\n');
  const p = r.prediction;
  const prediction = p
    ? `<table id="prediction"><tr><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>PSI</th><th>verdict</th></tr><tr data-feature="prediction">${testCells(p)}</tr></table>${svgHistogram(p.histogram, 'predictions: reference vs current')}`
    : '<p>The model stores no prediction reference: no prediction drift.</p>';
  const refused = s.refused_rows
    ? `<p class="drift">${s.refused_rows} rows were refused by the model's preprocessing (described, not predicted): ${s.refused_examples.map(esc).join('; ')}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Drift report: ${esc(r.model)}</title><style>${STYLE}</style></head>
<body>
<h1>Drift report: <code>${esc(r.model)}</code></h1>
<p>Current data: <code>${esc(r.source)}</code> · generated ${esc(r.generated)} · tests: KS p-value below ${formatNumber(r.settings.p_threshold)}, distances at or above ${formatNumber(r.settings.stat_threshold)}; dataset drift at ${formatNumber(r.settings.drift_share * 100)} % of the features</p>
<h2>Dataset</h2>
<div class="cards" id="summary">${card('dataset_drift', 'dataset drift', s.dataset_drift)}${card('drifted_features', 'drifted features', s.drifted_features)}${card('number_of_features', 'features', s.number_of_features)}${card('drifted_share', 'share drifted', s.drifted_share)}${card('current_rows', 'current rows', s.current_rows)}${card('reference_rows', 'reference rows', s.reference_rows)}</div>
${refused}
<h2>Features</h2>
<table id="features"><tr><th>feature</th><th>test</th><th>statistic</th><th>p-value</th><th>threshold</th><th>PSI</th><th>verdict</th></tr>
${featureRows}
</table>
<p class="legend">Histograms (share of rows per bin):<span style="background:#9e9e9e"></span>reference<span style="background:#ef6c00"></span>current</p>
<div class="features">
${panels}
</div>
<h2>Data quality (current)</h2>
<table id="quality"><tr><th>feature</th><th>count</th><th>missing</th><th>non-finite</th><th>min</th><th>max</th><th>mean</th><th>most common</th><th>corr. with prediction</th><th>corr. (reference)</th></tr>
${qualityRows}
</table>
<h2>Predictions</h2>
${prediction}
<script type="application/json" id="drift-report">${reportJson(r).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}

/**
 * The two training charts as standalone SVG documents (open them in a browser): feature importances
 * as horizontal bars, and residuals (actual − predicted) against the predictions.
 */

const W = 720;
const H = 440;
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

/** Escapes text for SVG content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Round tick values covering [min, max] (about `count` of them), at steps of 1, 2 or 5 × 10^k. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  // no round steps span an infinite or NaN range (the loop below would never reach max)
  if (!Number.isFinite(max - min)) return [min, max];
  if (!(max > min)) {
    const d = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return niceTicks(min - d, max + d, count);
  }
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let k = Math.floor(min / step); ; k++) {
    const v = Number((k * step).toPrecision(12));
    out.push(v);
    if (v >= max - step * 1e-9) break;
  }
  return out;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(6)));
}

function svg(title: string, body: string[]): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT}>`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${W / 2}" y="28" font-size="18" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}

/**
 * Horizontal bars, one per feature, longest on top, labelled with their value.
 *
 * @example
 *   writeFileSync('feature_importance.svg', featureImportanceChart(['a', 'b'], [0.7, 0.3]));
 */
export function featureImportanceChart(names: readonly string[], importances: ArrayLike<number>, title = 'Feature importance'): string {
  const order = names.map((_, i) => i).sort((a, b) => importances[b]! - importances[a]!);
  const left = 200;
  const right = W - 70;
  const top = 60;
  const bottom = H - 60;
  const maxV = Math.max(...order.map((i) => importances[i]!), 0);
  const ticks = niceTicks(0, maxV > 0 ? maxV : 1, 5);
  const xMax = ticks[ticks.length - 1]!;
  const sx = (v: number): number => left + ((right - left) * v) / xMax;
  const band = (bottom - top) / Math.max(order.length, 1);
  const body: string[] = [];
  for (const t of ticks) {
    body.push(`<line x1="${sx(t)}" y1="${top}" x2="${sx(t)}" y2="${bottom}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${sx(t)}" y="${bottom + 18}" font-size="12" text-anchor="middle">${fmt(t)}</text>`);
  }
  order.forEach((i, k) => {
    const y = top + k * band + band * 0.15;
    const h = band * 0.7;
    const v = importances[i]!;
    body.push(`<rect x="${left}" y="${y.toFixed(1)}" width="${(sx(v) - left).toFixed(1)}" height="${h.toFixed(1)}" fill="#4c78a8"><title>${escapeXml(names[i]!)}: ${v.toFixed(4)}</title></rect>`);
    body.push(`<text x="${left - 8}" y="${(y + h / 2 + 4).toFixed(1)}" font-size="13" text-anchor="end">${escapeXml(names[i]!)}</text>`);
    body.push(`<text x="${(sx(v) + 6).toFixed(1)}" y="${(y + h / 2 + 4).toFixed(1)}" font-size="12">${v.toFixed(3)}</text>`);
  });
  body.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
  body.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
  body.push(`<text x="${(left + right) / 2}" y="${H - 18}" font-size="13" text-anchor="middle">importance (mean decrease in squared error, normalised)</text>`);
  return svg(title, body);
}

/**
 * A scatter of residuals (actual − predicted, vertical) against predictions (horizontal), with the zero line.
 */
export function residualsChart(actual: ArrayLike<number>, predicted: ArrayLike<number>, title = 'Residuals'): string {
  const n = actual.length;
  const res = Array.from({ length: n }, (_, i) => actual[i]! - predicted[i]!);
  const pred = Array.from(predicted);
  const left = 80;
  const right = W - 30;
  const top = 50;
  const bottom = H - 60;
  const xt = niceTicks(Math.min(...pred, 0), Math.max(...pred, 0), 6);
  const yt = niceTicks(Math.min(...res, 0), Math.max(...res, 0), 6);
  const [x0, x1] = [xt[0]!, xt[xt.length - 1]!];
  const [y0, y1] = [yt[0]!, yt[yt.length - 1]!];
  const sx = (v: number): number => left + ((right - left) * (v - x0)) / (x1 - x0);
  const sy = (v: number): number => bottom - ((bottom - top) * (v - y0)) / (y1 - y0);
  const body: string[] = [];
  for (const t of xt) {
    body.push(`<line x1="${sx(t).toFixed(1)}" y1="${top}" x2="${sx(t).toFixed(1)}" y2="${bottom}" stroke="#eeeeee"/>`);
    body.push(`<text x="${sx(t).toFixed(1)}" y="${bottom + 18}" font-size="12" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of yt) {
    body.push(`<line x1="${left}" y1="${sy(t).toFixed(1)}" x2="${right}" y2="${sy(t).toFixed(1)}" stroke="#eeeeee"/>`);
    body.push(`<text x="${left - 8}" y="${(sy(t) + 4).toFixed(1)}" font-size="12" text-anchor="end">${fmt(t)}</text>`);
  }
  body.push(`<line x1="${left}" y1="${sy(0).toFixed(1)}" x2="${right}" y2="${sy(0).toFixed(1)}" stroke="#d62728" stroke-dasharray="6 4"/>`);
  for (let i = 0; i < n; i++) {
    body.push(`<circle cx="${sx(pred[i]!).toFixed(1)}" cy="${sy(res[i]!).toFixed(1)}" r="3" fill="#4c78a8" fill-opacity="0.6"/>`);
  }
  body.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#333"/>`);
  body.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#333"/>`);
  body.push(`<text x="${(left + right) / 2}" y="${H - 18}" font-size="13" text-anchor="middle">predicted</text>`);
  body.push(`<text transform="translate(22 ${(top + bottom) / 2}) rotate(-90)" font-size="13" text-anchor="middle">residual (actual − predicted)</text>`);
  body.push(`<text x="${right}" y="${top - 8}" font-size="12" text-anchor="end">${n} rows</text>`);
  return svg(title, body);
}

/** The model a chart is about: its name and, once chosen, its version. */
export interface ChartSubject {
  name: string;
  version?: string;
}

/** `name:version` (the tag the model is stored under), or the name alone while it has no version. */
export function subjectLabel(model: ChartSubject): string {
  return model.version ? `${model.name}:${model.version}` : model.name;
}

/**
 * The two charts stored with a trained model (and its run), each titled with the model's tag, so a chart
 * opened on its own says which model version it describes.
 *
 * @example
 *   trainingCharts({ name: 'houses', version: '1m8q…' }, { features, importances, actual, predicted, mae: 3.1 })
 *   // { 'feature_importance.svg': '<?xml …Feature importance — houses:1m8q…', 'residuals.svg': … }
 */
export function trainingCharts(
  model: ChartSubject,
  data: { features: readonly string[]; importances: ArrayLike<number>; actual: ArrayLike<number>; predicted: ArrayLike<number>; mae: number },
): { 'feature_importance.svg': string; 'residuals.svg': string } {
  const label = subjectLabel(model);
  return {
    'feature_importance.svg': featureImportanceChart(data.features, data.importances, `Feature importance — ${label}`),
    'residuals.svg': residualsChart(data.actual, data.predicted, `Residuals of ${label} on the validation split (MAE ${data.mae.toFixed(2)})`),
  };
}

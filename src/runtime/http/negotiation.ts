/**
 * What a rows API answers in: JSON, or CSV when the client's `Accept` prefers it (`accept: text/csv`),
 * and the CSV text of an answer: a header line, then one line per row.
 */
import { BentoError } from '../../errors.js';

export type AnswerFormat = 'json' | 'csv';

/** The CSV header of an answer that is a list of plain values. */
export const PREDICTION_COLUMN = 'prediction';

const OFFERED: ReadonlyArray<{ type: string; format: AnswerFormat }> = [
  { type: 'application/json', format: 'json' },
  { type: 'text/csv', format: 'csv' },
];

/**
 * The format to answer in for an `Accept` header (RFC 9110: media ranges with `q`; the most specific
 * range matching a type gives its weight; the highest weight wins, JSON on a tie), or NOT_ACCEPTABLE.
 * `canCsv`: whether this route's answer can be CSV (a list).
 */
export function answerFormat(accept: string | undefined, canCsv: boolean): AnswerFormat {
  if (accept === undefined || accept === '' || accept === '*/*') return 'json';
  const ranges = accept
    .slice(0, 1000)
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { range, q: q === undefined ? 1 : Number(q.slice(2)) };
    });
  let best: AnswerFormat | undefined;
  let bestQ = 0;
  for (const offer of OFFERED) {
    if (offer.format === 'csv' && !canCsv) continue;
    const [type] = offer.type.split('/');
    let q = -1;
    let specificity = -1;
    for (const r of ranges) {
      const s = r.range === offer.type ? 2 : r.range === `${type}/*` ? 1 : r.range === '*/*' ? 0 : -1;
      if (s > specificity) {
        specificity = s;
        q = Number.isFinite(r.q) ? r.q : 0;
      }
    }
    if (q > bestQ) {
      best = offer.format;
      bestQ = q;
    }
  }
  if (best) return best;
  const can = canCsv ? 'application/json or text/csv' : 'application/json';
  throw new BentoError('NOT_ACCEPTABLE', `cannot answer in ${JSON.stringify(accept.slice(0, 200))}: this API answers ${can}`);
}

/** One CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(v: unknown): string {
  if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const text = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * An answer as CSV: a list of objects has a column per key (in the order first seen), a list of plain
 * values the single column `prediction`. Numbers are written as JSON writes them. Lines end in LF.
 */
export function toCsv(answer: unknown): string {
  if (answer instanceof Float32Array || answer instanceof Float64Array) {
    let out = `${PREDICTION_COLUMN}\n`;
    for (let i = 0; i < answer.length; i++) out += `${field(answer[i])}\n`;
    return out;
  }
  if (!Array.isArray(answer)) throw new BentoError('NOT_ACCEPTABLE', 'this answer is not a list, so it cannot be written as CSV: ask for application/json');
  const objects = answer.length > 0 && answer.every((x) => x !== null && typeof x === 'object' && !Array.isArray(x));
  if (!objects) return `${PREDICTION_COLUMN}\n${answer.map((v) => `${field(v)}\n`).join('')}`;
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const row of answer as Array<Record<string, unknown>>) {
    for (const k of Object.keys(row)) if (!seen.has(k)) seen.add(k), keys.push(k);
  }
  const lines = [keys.map(field).join(',')];
  for (const row of answer as Array<Record<string, unknown>>) lines.push(keys.map((k) => field(row[k])).join(','));
  return `${lines.join('\n')}\n`;
}

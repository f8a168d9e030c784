/**
 * `bento runs list|get|compare`: the training runs recorded in `$BENTO_HOME/runs`.
 */
import { getRun, listRuns, type RunInfo } from '../../pipeline/runs.js';
import { formatTag } from '../../store/tag.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { json, table, when } from '../output.js';

const fixed = (v: number | undefined, d = 2): string => (typeof v === 'number' ? v.toFixed(d) : '-');
const code = (r: RunInfo): string => (r.code ? `${r.code.commit.slice(0, 10)}${r.code.dirty ? '+dirty' : ''}` : '-');
const tagOf = (r: RunInfo): string => formatTag(r.name, r.version);

export const list: Command = {
  summary: 'list the training runs, newest first',
  usage: 'runs list [NAME] [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }) {
    const runs = (await listRuns(positionals[0])).map((r) => r.info);
    if (outputFormat(values) === 'json') return json(runs);
    if (runs.length === 0) return void process.stdout.write('no runs\n');
    const rows = [['RUN', 'MODEL', 'VAL MAE', 'TEST MAE', 'DATASET', 'CODE', 'STARTED', 'SECONDS']];
    for (const r of runs) {
      rows.push([tagOf(r), r.model ?? (r.gate && !r.gate.passed ? '(refused)' : '-'), fixed(r.metrics.validation.mean_absolute_error), fixed(r.metrics.test.mean_absolute_error), r.data.dataset ?? '-', code(r), when(r.creation_time), fixed(r.duration_s)]);
    }
    process.stdout.write(table(rows));
  },
};

function describe(r: RunInfo): string {
  const m = (x: Record<string, number>): string => Object.entries(x).map(([k, v]) => `${k}=${+v.toPrecision(6)}`).join(', ');
  const lines = [
    tagOf(r),
    `  started:    ${when(r.creation_time)} (${r.duration_s.toFixed(2)} s)`,
    `  model:      ${r.model ?? '-'}`,
    `  dataset:    ${r.data.dataset ?? '-'} (${r.data.digest}, ${r.data.rows} rows: ${r.data.train_rows} train, ${r.data.validation_rows} validation, ${r.data.test_rows} test)`,
    `  code:       ${r.code ? `${r.code.commit}${r.code.dirty ? ' (dirty tree)' : ''}` : '- (not a git checkout)'}`,
    `  params:     ${Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`,
    `  validation: ${m({ ...r.metrics.validation })}`,
    `  test:       ${m({ ...r.metrics.test })}`,
  ];
  if (r.gate) lines.push(`  gate:       ${r.gate.passed ? 'passed' : 'refused'}: ${r.gate.reason}`);
  lines.push(`  grid (${r.search.folds}-fold CV, ${r.search.scoring}):`);
  r.cv_results.forEach((c, i) => lines.push(`    ${i === r.search.best_index ? '*' : ' '} ${JSON.stringify(c.params)}  mean MAE ${c.meanMae.toFixed(3)} ± ${c.stdMae.toFixed(3)}  rank ${c.rank}`));
  lines.push(`  charts:     ${r.charts.join(', ')}`);
  return lines.join('\n') + '\n';
}

export const get: Command = {
  summary: 'show one run: parameters, the grid with CV scores, metrics, data and code versions',
  usage: 'runs get RUN [-o json]',
  help: 'RUN is name:id, a model name (its newest run), or an id (or a unique prefix of one).',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const { info, dir } = await getRun(positionals[0]!);
    if (outputFormat(values) === 'json') return json({ ...info, dir });
    process.stdout.write(describe(info));
  },
};

export const compare: Command = {
  summary: 'runs side by side: parameters, metrics, data and code versions',
  usage: 'runs compare RUN RUN… [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 2, max: 20 },
  async run({ values, positionals }) {
    const runs = await Promise.all(positionals.map(async (p) => (await getRun(p)).info));
    if (outputFormat(values) === 'json') return json(runs);
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))];
    const metrics = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.validation)))];
    const rows = [['', ...runs.map(tagOf)]];
    rows.push(['model', ...runs.map((r) => r.model ?? '-')]);
    for (const k of keys) rows.push([k, ...runs.map((r) => (r.params[k] === undefined ? '-' : JSON.stringify(r.params[k])))]);
    rows.push(['best CV MAE', ...runs.map((r) => fixed(r.cv_results[r.search.best_index]?.meanMae, 3))]);
    for (const k of metrics) rows.push([`validation ${k}`, ...runs.map((r) => fixed((r.metrics.validation as unknown as Record<string, number>)[k], 3))]);
    for (const k of metrics) rows.push([`test ${k}`, ...runs.map((r) => fixed((r.metrics.test as unknown as Record<string, number>)[k], 3))]);
    rows.push(['dataset', ...runs.map((r) => r.data.dataset ?? '-')]);
    rows.push(['code', ...runs.map(code)]);
    rows.push(['seconds', ...runs.map((r) => fixed(r.duration_s))]);
    process.stdout.write(table(rows));
  },
};

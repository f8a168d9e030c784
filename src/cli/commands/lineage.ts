/** `bento lineage TAG`: bento → model → run → dataset version, and the code version. */
import { lineage as lineageOf } from '../../bridge/lineage.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { json } from '../output.js';

export const lineage: Command = {
  summary: 'show where a bento or model came from: model → run → dataset version → code version',
  usage: 'lineage TAG [-o json]',
  help: 'TAG is a bento tag, else a model tag.',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const l = await lineageOf(positionals[0]!);
    if (outputFormat(values) === 'json') return json(l);
    const lines: string[] = [];
    if (l.bento) lines.push(`bento    ${l.bento.tag}  (built ${l.bento.creation_time})`);
    const pad = l.bento ? '  ' : '';
    for (const m of l.models) {
      lines.push(`${pad}model    ${m.tag}${m.alias ? `  (as ${m.alias})` : ''}`);
      if (m.run) lines.push(`${pad}  run      ${m.run.tag}  validation MAE ${m.run.metrics.validation.mean_absolute_error.toFixed(2)}, test MAE ${m.run.metrics.test.mean_absolute_error.toFixed(2)}`);
      if (m.dataset) lines.push(`${pad}  dataset  ${m.dataset.tag}  ${m.dataset.rows} rows from ${m.dataset.source}${m.dataset.parent ? `, appended to ${m.dataset.parent}` : ''}`);
      if (m.code) lines.push(`${pad}  code     ${m.code.commit}${m.code.dirty ? ' (dirty tree)' : ''}`);
      for (const miss of m.missing) lines.push(`${pad}  missing  ${miss}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
  },
};

/**
 * `bento drift report --data FILE | --log DIR [--model TAG] -o report.html|json`: how current data compares
 * with the reference a model stored, as a self-contained HTML page or as JSON on stdout.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../../errors.js';
import { currentFromCsv, currentFromLog } from '../../deploy/report/current.js';
import { reportHtml } from '../../deploy/report/html.js';
import { driftReport, reportJson } from '../../deploy/report/report.js';
import { getModel, listModels } from '../../models/model-store.js';
import type { Command } from '../command.js';

/** `--model`, else the store's only model name (newest version). */
async function pickModel(tag: string | undefined): Promise<string> {
  if (tag) return tag;
  const names = [...new Set((await listModels()).map((m) => m.info.name))];
  if (names.length === 1) return names[0]!;
  throw new BentoError('BAD_ARGUMENT', names.length === 0 ? 'the model store is empty: train a model or pass --model TAG' : `pass --model TAG: the store has ${names.join(', ')}`);
}

export const report: Command = {
  summary: 'compare data (a CSV or a payload log) with a model\'s reference: HTML report or JSON',
  usage: 'drift report --data FILE | --log DIR [--model TAG] -o report.html|json',
  options: {
    data: { type: 'string', arg: 'FILE', description: 'a CSV of records, with the model\'s features as columns' },
    log: { type: 'string', arg: 'DIR', description: 'a payload log folder (the service\'s *.jsonl files)' },
    model: { type: 'string', arg: 'TAG', description: 'the model whose reference to compare with (default: the store\'s only model)' },
    output: { type: 'string', short: 'o', arg: 'FILE|json', description: 'an HTML file to write, or json to print the report' },
  },
  help: [
    'Each feature: reference vs current histograms, the test (KS p-value while the reference has at most',
    '1000 rows, else normed Wasserstein distance), its statistic, p-value and verdict; the dataset summary,',
    'data quality and the prediction distribution. The page is one file and fetches nothing.',
  ].join('\n'),
  async run({ values }) {
    const data = values.data as string | undefined;
    const log = values.log as string | undefined;
    if ((data === undefined) === (log === undefined)) throw new BentoError('BAD_ARGUMENT', 'bento drift report needs one of --data FILE or --log DIR');
    const out = values.output as string | undefined;
    if (!out) throw new BentoError('BAD_ARGUMENT', 'bento drift report needs -o report.html (a file to write) or -o json');
    const model = await getModel(await pickModel(values.model as string | undefined));
    const current = data !== undefined ? await currentFromCsv(data, model) : await currentFromLog(log!, model);
    const r = driftReport(model, current);
    if (out === 'json') {
      process.stdout.write(reportJson(r) + '\n');
      return;
    }
    const file = path.resolve(out);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, reportHtml(r));
    await fs.rename(tmp, file);
    process.stdout.write(file + '\n');
  },
};

/** `bento models compare A B… --data FILE | --dataset TAG`: models side by side on the same rows. */
import { compareModels } from '../../bridge/compare.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { json, table } from '../output.js';

export const compare: Command = {
  summary: 'evaluate models on the same rows (each with its own preprocessing) and show the metrics side by side',
  usage: 'models compare A B… (--data FILE | --dataset NAME[:VERSION]) [--target COLUMN] [-o json]',
  help: 'Each row goes through each model\'s stored preprocessing and onnxruntime; rows a model cannot take are skipped for all.',
  options: {
    data: { type: 'string', arg: 'FILE', description: 'CSV rows with the target column' },
    dataset: { type: 'string', arg: 'TAG', description: 'a stored dataset version instead of a file' },
    target: { type: 'string', arg: 'COLUMN', description: "the column to score against (default the models' target)" },
    ...OUTPUT_OPTION,
  },
  positionals: { min: 2, max: 10 },
  async run({ values, positionals }) {
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const e = await compareModels({
      models: positionals,
      ...(str('data') !== undefined ? { data: str('data') } : {}),
      ...(str('dataset') !== undefined ? { dataset: str('dataset') } : {}),
      ...(str('target') !== undefined ? { target: str('target') } : {}),
    });
    if (outputFormat(values) === 'json') return json(e);
    const keys = Object.keys(e.models[0]!.metrics) as Array<keyof (typeof e.models)[number]['metrics']>;
    const rows = [['', ...e.models.map((m) => m.tag)], ...keys.map((k) => [k, ...e.models.map((m) => m.metrics[k].toFixed(3))])];
    process.stdout.write(`${e.rows} rows of ${e.data} (target ${e.target}${e.skipped ? `, ${e.skipped} skipped` : ''})\n` + table(rows));
  },
};

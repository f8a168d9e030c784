/**
 * `bento models list|get|delete|export|import`: flags → one call into the model store → output.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../../errors.js';
import { listFiles } from '../../store/digest.js';
import type { ModelInfo } from '../../models/model-info.js';
import { importModel as importFromFile } from '../../models/import.js';
import { exportModel as exportToFile, getModel, modelStore } from '../../models/model-store.js';
import { assertModelUnused, deleteModel } from '../../bento/model-use.js';
import { modelsRoot } from '../../store/home.js';
import { formatTag } from '../../store/tag.js';
import { stringifyModelInfo } from '../../models/model-yaml.js';
import { GET_OUTPUT_OPTION, getFormat, OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { confirmDelete, damagedLines, humanSize, json, table, when } from '../output.js';

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const rel of await listFiles(dir)) total += (await fs.stat(path.join(dir, rel))).size;
  return total;
}

const num = (v: number | undefined, digits: number): string => (typeof v === 'number' ? v.toFixed(digits) : '-');

export const list: Command = {
  summary: 'list the models in the store, newest first',
  usage: 'models list [NAME] [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }) {
    const format = outputFormat(values);
    const { stored: models, damaged } = await modelStore().scan(positionals[0]);
    const broken = damaged.map((d) => ({ tag: formatTag(d.name, d.version), reason: d.reason }));
    if (format === 'json') return json([...models.map((m) => m.info), ...damaged.map((d) => ({ name: d.name, version: d.version, path: d.dir, damaged: d.reason }))]);
    if (models.length === 0 && damaged.length === 0) {
      process.stdout.write(`no models${positionals[0] ? ` named "${positionals[0]}"` : ''} in ${modelsRoot()}\n`);
      return;
    }
    const rows = [['TAG', 'SOURCE', 'MAE', 'ACCURACY', 'SIZE', 'CREATED']];
    for (const { info, dir } of models) {
      rows.push([
        formatTag(info.name, info.version),
        info.source,
        num(info.metrics?.mean_absolute_error, 2),
        num(info.metrics?.accuracy, 1),
        humanSize(await dirSize(dir)),
        when(info.creation_time),
      ]);
    }
    process.stdout.write(table(rows));
    process.stdout.write(damagedLines(broken));
  },
};

function summary(info: ModelInfo, dir: string): string {
  // Scalars only: the grid's results, the importances and the like are for -o yaml / -o json.
  const kv = (o: Record<string, unknown> | undefined): string =>
    Object.entries(o ?? {})
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(6) : JSON.stringify(v)}`)
      .join(', ') || '-';
  const tensor = (t: ModelInfo['signature']['inputs'][number]): string => `${t.name} ${t.dtype} [${t.shape.join(', ')}]`;
  const lines = [
    formatTag(info.name, info.version),
    `  source:     ${info.source}`,
    `  created:    ${when(info.creation_time)}`,
    `  path:       ${path.join(dir, info.model_file)}`,
    `  features:   ${info.features.join(', ') || '- (not a rows model: serve it through a handler API)'}`,
    `  inputs:     ${info.signature.inputs.map(tensor).join('; ')}`,
    `  outputs:    ${info.signature.outputs.map(tensor).join('; ')}`,
    `  metrics:    ${kv(info.metrics)}`,
    `  params:     ${kv(info.params)}`,
    `  fill:       ${kv(info.preprocessing?.fill ?? {})}`,
  ];
  if (info.run) lines.push(`  run:        ${info.run}`);
  if (info.task) lines.push(`  task:       ${info.task}${info.class_labels ? ` (classes: ${info.class_labels.join(', ')})` : ''}`);
  if (info.training_data) lines.push(`  training:   ${kv(info.training_data as unknown as Record<string, unknown>)}`);
  if (info.reference) lines.push(`  reference:  statistics for ${Object.keys(info.reference).length} features (see -o yaml)`);
  if (Object.keys(info.labels ?? {}).length) lines.push(`  labels:     ${kv(info.labels)}`);
  lines.push('  files:');
  for (const [f, d] of Object.entries(info.files)) lines.push(`    ${f}  sha256:${d}`);
  lines.push('All of model.yaml: -o yaml (or -o json).');
  return lines.join('\n') + '\n';
}

export const get: Command = {
  summary: "show one model: a summary (metrics, params, features, signature); -o yaml or -o json its whole model.yaml",
  usage: 'models get TAG [-o summary|yaml|json]',
  help: 'TAG is name, name:latest, name:version or name:<unique version prefix>.',
  options: { ...GET_OUTPUT_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const format = getFormat(values);
    const { info, dir } = await getModel(positionals[0]!);
    if (format === 'json') return json(info);
    process.stdout.write(format === 'yaml' ? stringifyModelInfo(info) : summary(info, dir));
  },
};

export const remove: Command = {
  summary: 'delete a model version (refused while a bento uses it)',
  usage: 'models delete TAG [-y]',
  options: { yes: { type: 'boolean', short: 'y', description: 'delete without asking for confirmation' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const { info } = await getModel(positionals[0]!);
    const tag = formatTag(info.name, info.version);
    await assertModelUnused(info); // refuse before asking, not after
    if (!(await confirmDelete('model', tag, values.yes === true))) return 1;
    await deleteModel(tag);
    process.stdout.write(`deleted ${tag}\n`);
  },
};

export const exportModel: Command = {
  summary: 'write a model to a portable archive (.tar.gz, or .zip by extension)',
  usage: 'models export TAG [FILE]',
  help: 'FILE defaults to ./<name>-<version>.model.tar.gz. Two exports of one model are byte-identical.',
  positionals: { min: 1, max: 2 },
  async run({ positionals }) {
    const out = await exportToFile(positionals[0]!, positionals[1]);
    process.stdout.write(out + '\n');
  },
};

export const importModel: Command = {
  summary: 'import a model archive, an ml-random-forest JSON model or any ONNX model',
  usage: 'models import FILE [--name NAME] [--features a,b,…]',
  help: [
    'FILE is a model archive (from `bento models export`; every digest is checked first),',
    'an ml-random-forest JSON model (converted to ONNX) or any ONNX model onnxruntime loads (stored as it is;',
    'its inputs and outputs read from the graph). --features names the columns of a model taking rows of',
    'features (one 2-D numeric input), which the rows API can serve. Prints the new tag.',
  ].join('\n'),
  options: {
    name: { type: 'string', arg: 'NAME', description: 'store under this model name' },
    features: { type: 'string', arg: 'a,b,…', description: 'feature names in column order (rows models: ONNX / ml-random-forest)' },
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    let features: string[] | undefined;
    if (typeof values.features === 'string') {
      features = values.features.split(',').map((f) => f.trim());
      if (features.some((f) => f === '')) throw new BentoError('BAD_ARGUMENT', `--features has an empty name: "${values.features}"`);
    }
    const info = await importFromFile(positionals[0]!, {
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(features ? { features } : {}),
    });
    process.stdout.write(formatTag(info.name, info.version) + '\n');
  },
};

/**
 * `bento data add|list|get|export`: content-addressed, validated dataset versions in `$BENTO_HOME/datasets`.
 */
import { addDatasetFile, exportDataset, getDataset, listDatasets } from '../../datasets/dataset-store.js';
import type { DatasetInfo } from '../../datasets/dataset-info.js';
import { projectSchema } from '../../datasets/schema.js';
import { DEFAULT_CONF } from '../../pipeline/train-and-save.js';
import { formatTag } from '../../store/tag.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { humanSize, json, table, when } from '../output.js';
import { projectRoot } from '../../store/home.js';

export const add: Command = {
  summary: 'store a CSV as a dataset version (checked against the catalog, profiled, content-addressed)',
  usage: 'data add FILE [--name NAME] [--conf DIR] [-o json]',
  help: [
    'The rows are checked against the columns of the project catalog (conf/base/catalog.yml; without one,',
    'column types are inferred): every bad row is listed and nothing is stored. The version is the sha256 of',
    'the bytes: the same file finds its version already stored, other rows make a new version.',
  ].join('\n'),
  options: {
    name: { type: 'string', arg: 'NAME', description: "dataset name (default the file's name)" },
    conf: { type: 'string', arg: 'DIR', description: `conf folder holding catalog.yml (default ${DEFAULT_CONF})` },
    ...OUTPUT_OPTION,
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const format = outputFormat(values);
    // --conf is the shell's path (relative to here); without it, the conf of the project this folder is in.
    const schema = typeof values.conf === 'string' ? await projectSchema(process.cwd(), values.conf) : await projectSchema(projectRoot(), DEFAULT_CONF);
    const added = await addDatasetFile(positionals[0]!, { ...(typeof values.name === 'string' ? { name: values.name } : {}), ...(schema ? { schema } : {}) });
    if (format === 'json') return json({ tag: added.tag, created: added.created, ...added.info });
    process.stdout.write(`${added.tag}${added.created ? '' : ' (already stored: same content)'}\n`);
  },
};

export const list: Command = {
  summary: 'list the dataset versions, newest first',
  usage: 'data list [NAME] [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }) {
    const all = (await listDatasets(positionals[0])).map((d) => d.info);
    if (outputFormat(values) === 'json') return json(all);
    if (all.length === 0) return void process.stdout.write('no datasets\n');
    const rows = [['DATASET', 'ROWS', 'SIZE', 'SCHEMA', 'SOURCE', 'PARENT', 'CREATED']];
    for (const d of all) rows.push([formatTag(d.name, d.version), String(d.rows), humanSize(d.size), d.schema.source, d.source, d.parent ?? '-', when(d.creation_time)]);
    process.stdout.write(table(rows));
  },
};

function describe(d: DatasetInfo, dir: string): string {
  const lines = [
    formatTag(d.name, d.version),
    `  digest:   ${d.digest}`,
    `  rows:     ${d.rows} (${humanSize(d.size)}), from ${d.source}${d.parent ? `, appended to ${d.parent}` : ''}`,
    `  created:  ${when(d.creation_time)}`,
    `  path:     ${dir}/${d.file}`,
    `  schema:   ${d.schema.source}${d.missing_columns.length ? ` (file lacks ${d.missing_columns.join(', ')})` : ''}`,
    '  columns:',
  ];
  for (const [name, p] of Object.entries(d.profile)) {
    const s = p.stats;
    const what = s ? `mean ${+s.mean.toPrecision(5)}  std ${+s.std.toPrecision(4)}  min ${s.min}  max ${s.max}` : `${p.distinct ?? 0} distinct${p.top?.length ? `, top ${p.top.map((t) => `${t.value} (${t.count})`).join(', ')}` : ''}`;
    lines.push(`    ${name} (${p.type}): ${p.count} values, ${p.missing} missing; ${what}`);
  }
  return lines.join('\n') + '\n';
}

export const get: Command = {
  summary: 'show one dataset version: digest, schema and profile',
  usage: 'data get TAG [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const { info, dir } = await getDataset(positionals[0]!);
    if (outputFormat(values) === 'json') return json({ ...info, dir });
    process.stdout.write(describe(info, dir));
  },
};

export const exportData: Command = {
  summary: "write a dataset version's CSV to a file (its digest checked first)",
  usage: 'data export TAG [FILE]',
  help: 'FILE defaults to ./<name>-<version>.csv.',
  positionals: { min: 1, max: 2 },
  async run({ positionals }) {
    process.stdout.write((await exportDataset(positionals[0]!, positionals[1])) + '\n');
  },
};

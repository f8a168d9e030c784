/**
 * `bento list|get|delete|export|import`: flags → one call into the bento store → output.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { lineage } from '../../bridge/lineage.js';
import { BentoError } from '../../errors.js';
import type { BentoInfo } from '../../bento/bento-info.js';
import { deleteBento, getBento, listBentos } from '../../bento/bento-store.js';
import { stringifyBentoInfo } from '../../bento/bento-yaml.js';
import { exportBento as exportToFile, type ArchiveFormat } from '../../bento/export.js';
import { importBento as importFromFile } from '../../bento/import.js';
import { bentosRoot } from '../../store/home.js';
import { formatTag } from '../../store/tag.js';
import { GET_OUTPUT_OPTION, getFormat, OUTPUT_OPTION, outputFormat, type Command } from '../command.js';
import { confirmDelete, damagedLines, humanSize, json, table, when } from '../output.js';

export const list: Command = {
  summary: 'list the bentos in the store, newest first',
  usage: 'list [NAME] [-o json]',
  options: { ...OUTPUT_OPTION },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals }) {
    const format = outputFormat(values);
    const bentos = await listBentos(positionals[0]);
    if (format === 'json') return json(bentos);
    if (bentos.length === 0) {
      process.stdout.write(`no bentos${positionals[0] ? ` named "${positionals[0]}"` : ''} in ${bentosRoot()}\n`);
      return;
    }
    const rows = [['TAG', 'MODELS', 'SIZE', 'CREATED']];
    for (const b of bentos) {
      if (b.damaged === undefined) rows.push([b.tag, b.models.join(', ') || '-', humanSize(b.size), when(b.creation_time)]);
    }
    process.stdout.write(table(rows));
    process.stdout.write(damagedLines(bentos.filter((b) => b.damaged !== undefined).map((b) => ({ tag: b.tag, reason: b.damaged! }))));
  },
};

const pairs = (o: Record<string, string>): string => Object.entries(o).map(([k, v]) => `${k}=${v}`).join(', ') || '-';

/** What people want to see of a bento, in a screenful: what it serves, with what, how big, where. */
async function summary(info: BentoInfo, dir: string): Promise<string> {
  let size = 0;
  for (const rel of Object.keys(info.files)) size += (await fs.stat(path.join(dir, ...rel.split('/'))).catch(() => ({ size: 0 }))).size;
  const title = info.description.split('\n').find((l) => l.trim())?.replace(/^#+\s*/, '');
  const lines = [
    formatTag(info.name, info.version),
    `  created:    ${when(info.creation_time)}`,
    `  service:    ${info.service}${title ? `  (${title})` : ''}`,
    '  apis:',
  ];
  for (const a of info.apis) {
    const how = [a.model ? `model ${a.model}` : '', a.batchable ? `batched ≤ ${a.max_batch_size} per ${a.max_latency_ms} ms` : ''].filter(Boolean).join(', ');
    lines.push(`    POST /${a.route.replace(/^\//, '')}  ${a.name}${how ? `  (${how})` : ''}`);
  }
  lines.push(info.models.length ? '  models:' : '  models:     -');
  // Every model also answers the Open Inference Protocol (KServe V2) under its name.
  for (const m of info.models) lines.push(`    ${m.alias} = ${m.tag}  (POST /v2/models/${m.tag.split(':')[0]}/infer)`);
  lines.push(
    `  traffic:    timeout ${info.traffic.timeout} s, max concurrency ${info.traffic.max_concurrency}${info.traffic.body_timeout !== undefined ? `, body timeout ${info.traffic.body_timeout} s` : ''}${info.traffic.max_request_size !== undefined ? `, max request size ${info.traffic.max_request_size} bytes` : ''}`,
    `  runtime:    node ${info.runtime.node}, onnxruntime-node ${info.runtime.onnxruntime_node}`,
    `  image:      ${info.docker.base_image}; labels ${pairs(info.labels)}`,
    `  size:       ${humanSize(size)} in ${Object.keys(info.files).length} files`,
    `  path:       ${dir}`,
    'All of bento.yaml: -o yaml; with its lineage: -o json.',
  );
  return lines.join('\n') + '\n';
}

export const get: Command = {
  summary: 'show one bento: a summary (APIs, models, size, labels); -o yaml its bento.yaml, -o json that and its lineage',
  usage: 'get TAG [-o summary|yaml|json]',
  help: 'TAG is name, name:latest, name:version or name:<unique version prefix>.',
  options: { ...GET_OUTPUT_OPTION },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const format = getFormat(values);
    const { info, dir } = await getBento(positionals[0]!);
    // JSON: bento.yaml and where it came from (bento → model → run → dataset version → code version)
    if (format === 'json') return json({ ...info, lineage: await lineage(formatTag(info.name, info.version)) });
    process.stdout.write(format === 'yaml' ? stringifyBentoInfo(info) : await summary(info, dir));
  },
};

export const remove: Command = {
  summary: 'delete a bento version',
  usage: 'delete TAG [-y]',
  options: { yes: { type: 'boolean', short: 'y', description: 'delete without asking for confirmation' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals }) {
    const { info } = await getBento(positionals[0]!);
    const tag = formatTag(info.name, info.version);
    if (!(await confirmDelete('bento', tag, values.yes === true))) return 1;
    await deleteBento(tag);
    process.stdout.write(`deleted ${tag}\n`);
  },
};

export const exportBento: Command = {
  summary: 'write a bento to a portable .bento archive (gzip\'d tar, or zip)',
  usage: 'export TAG [FILE] [--format tar|zip]',
  help: 'FILE defaults to ./<name>-<version>.bento. Two exports of one bento are byte-identical.',
  options: { format: { type: 'string', arg: 'tar|zip', description: 'archive format (default: zip if FILE ends in .zip, else tar)' } },
  positionals: { min: 1, max: 2 },
  async run({ values, positionals }) {
    const format = values.format as string | undefined;
    if (format !== undefined && format !== 'tar' && format !== 'zip') throw new BentoError('BAD_ARGUMENT', `--format "${format}": use tar or zip`);
    const out = await exportToFile(positionals[0]!, positionals[1], format ? { format: format as ArchiveFormat } : {});
    process.stdout.write(out + '\n');
  },
};

export const importBento: Command = {
  summary: 'add a .bento archive to the store (every digest checked before anything lands)',
  usage: 'import FILE',
  help: 'A version already in the store is kept. The bento\'s models are added to the model store when missing.',
  positionals: { min: 1, max: 1 },
  async run({ positionals }) {
    const r = await importFromFile(positionals[0]!);
    if (!r.created) process.stderr.write(`${r.tag} was already in the store (kept)\n`);
    process.stdout.write(`${r.tag}\n`);
  },
};

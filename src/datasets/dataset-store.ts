/**
 * The dataset store: `$BENTO_HOME/datasets/<name>/<version>/` holding `data.csv` and `dataset.yaml`.
 * A version is content-addressed (the sha256 of the bytes), validated against a schema before anything is
 * written, profiled, and written atomically by the generic store: adding rows makes a new version, the same
 * bytes find the version already there, and nothing is ever overwritten.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BentoError } from '../errors.js';
import { parseCsv } from '../pipeline/csv.js';
import { modelNameFromFile } from '../pipeline/infer.js';
import { bentoHome } from '../store/home.js';
import { Store, type Stored } from '../store/store.js';
import { formatTag, NAME_RE } from '../store/tag.js';
import { DATA_FILE, DATASET_INFO_FILE, datasetInfoCodec, type DatasetInfo, type DatasetSchema } from './dataset-info.js';
import { profileTable } from './profile.js';
import { checkTable, inferSchema } from './schema.js';

export type StoredDataset = Stored<DatasetInfo>;

/** `$BENTO_HOME/datasets`. */
export function datasetsRoot(): string {
  return path.join(bentoHome(), 'datasets');
}

/** The dataset store under the current BENTO_HOME. */
export function datasetStore(): Store<DatasetInfo> {
  return new Store<DatasetInfo>({ root: datasetsRoot(), infoFile: DATASET_INFO_FILE, kind: 'dataset', codec: datasetInfoCodec });
}

/** Hex digits of the sha256 that make a version. */
const VERSION_DIGITS = 16;

export interface AddDatasetInput {
  /** The CSV's bytes. */
  bytes: Uint8Array;
  name: string;
  /** Checked against; default inferred from the cells. */
  schema?: DatasetSchema;
  /** Where the rows came from, recorded (a file's base name, `bridge`). */
  source: string;
  /** The version these rows extend, recorded. */
  parent?: string;
  /** How the data is named in errors; default `source`. */
  label?: string;
}

/** A stored version and whether this call stored it (false: the same bytes were already there). */
export type AddedDataset = StoredDataset & { created: boolean; tag: string };

/**
 * Validates, profiles and stores a dataset version. Bad rows → BAD_DATA listing each row and why, and
 * nothing is written.
 *
 * @example
 *   const { tag, created } = await addDataset({ bytes: await readFile('DATA.csv'), name: 'houses', schema, source: 'DATA.csv' });
 */
export async function addDataset(input: AddDatasetInput): Promise<AddedDataset> {
  if (!NAME_RE.test(input.name)) throw new BentoError('BAD_TAG', `invalid dataset name "${input.name}": lowercase letters, digits, ".", "_" or "-", starting and ending with a letter or digit`);
  const label = input.label ?? input.source;
  const text = Buffer.from(input.bytes).toString('utf8');
  const table = parseCsv(text, label);
  const schema = input.schema ?? inferSchema(table);
  const { missingColumns } = checkTable(table, schema, label);
  const hex = createHash('sha256').update(input.bytes).digest('hex');
  const version = hex.slice(0, VERSION_DIGITS);
  const stored = await datasetStore().createOrKeep(input.name, version, async (tmp) => {
    await fs.writeFile(path.join(tmp, DATA_FILE), input.bytes);
    return {
      name: input.name,
      version,
      creation_time: new Date().toISOString(),
      digest: `sha256:${hex}`,
      file: DATA_FILE,
      size: input.bytes.byteLength,
      rows: table.rows.length,
      header: table.header,
      schema,
      missing_columns: missingColumns,
      profile: profileTable(table, schema),
      source: input.source,
      ...(input.parent ? { parent: input.parent } : {}),
    };
  });
  return { ...stored, tag: formatTag(input.name, version) };
}

/**
 * Adds a CSV file as a version: the name defaults to the file's (`data/DATA.csv` → `data`).
 * A missing file is FILE_NOT_FOUND.
 */
export async function addDatasetFile(file: string, opts: { name?: string; schema?: DatasetSchema } = {}): Promise<AddedDataset> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') throw new BentoError('FILE_NOT_FOUND', `data file not found: ${file}`, [{ path: file, message: 'not found' }]);
    throw err;
  }
  return addDataset({ bytes, name: opts.name ?? modelNameFromFile(file), source: path.basename(file), label: file, ...(opts.schema ? { schema: opts.schema } : {}) });
}

/** Resolves `name`, `name:latest`, `name:version` or a unique version prefix. */
export function getDataset(tag: string): Promise<StoredDataset> {
  return datasetStore().resolve(tag);
}

/** Stored versions (of one name), newest first. */
export function listDatasets(name?: string): Promise<StoredDataset[]> {
  return datasetStore().list(name);
}

/** The path of a stored version's CSV. */
export function datasetFile(stored: StoredDataset): string {
  return path.join(stored.dir, stored.info.file);
}

/**
 * Copies a version's CSV out (default `./<name>-<version>.csv`), after checking its bytes still have
 * the version's digest. Returns the path written.
 */
export async function exportDataset(tag: string, file?: string): Promise<string> {
  const stored = await getDataset(tag);
  const bytes = await fs.readFile(datasetFile(stored));
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (digest !== stored.info.digest) throw new BentoError('BAD_DATA', `${datasetFile(stored)} was changed after it was stored (digest ${digest}, recorded ${stored.info.digest})`);
  const out = path.resolve(file ?? `${stored.info.name}-${stored.info.version}.csv`);
  await fs.writeFile(out, bytes);
  return out;
}

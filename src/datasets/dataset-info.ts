/**
 * What the dataset store keeps about one dataset version, in `datasets/<name>/<version>/dataset.yaml`,
 * beside the data itself (`data.csv`). The version is the content's address: the first 16 hex digits of
 * the sha256 of `data.csv`, so the same bytes are the same version and other bytes never overwrite it.
 */
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { isMap, parseInfoYaml } from '../store/info-file.js';
import type { InfoCodec } from '../store/store.js';
import { NAME_RE, VERSION_RE } from '../store/tag.js';
import type { FeatureStats } from '../pipeline/reference.js';
import type { ColumnType } from '../pipeline/wrangle.js';

/** The data file of every version. */
export const DATA_FILE = 'data.csv';
/** The info file of every version. */
export const DATASET_INFO_FILE = 'dataset.yaml';

/** The columns a version was checked against. */
export interface DatasetSchema {
  /** `catalog`: the project's `conf/base/catalog.yml`; `inferred`: from the cells (no catalog). */
  source: 'catalog' | 'inferred';
  columns: Record<string, ColumnType>;
  /** Columns every row must have (the catalog's features and target). */
  required: string[];
}

/** One column of a version, described. */
export interface ColumnProfile {
  type: ColumnType;
  /** Cells holding a value. */
  count: number;
  /** Cells that are empty or an NA string. */
  missing: number;
  /** Number columns: count, mean, std, min, max, quantiles and histogram of the values. */
  stats?: FeatureStats;
  /** String columns: distinct values, and the five most frequent. */
  distinct?: number;
  top?: Array<{ value: string; count: number }>;
}

export interface DatasetInfo {
  name: string;
  /** 16 hex digits of the content's sha256. */
  version: string;
  /** ISO 8601. */
  creation_time: string;
  /** `sha256:<hex>` of data.csv (the same digest a model trained on it records in `training_data`). */
  digest: string;
  file: typeof DATA_FILE;
  /** Bytes of data.csv. */
  size: number;
  /** Data rows (the header excluded). */
  rows: number;
  /** The header, in file order. */
  header: string[];
  schema: DatasetSchema;
  /** Columns the schema declares that the file lacks (allowed when not required). */
  missing_columns: string[];
  profile: Record<string, ColumnProfile>;
  /** Where the rows came from: a file's name, `bridge`, … */
  source: string;
  /** The version these rows were appended to (`name:version`), when they were. */
  parent?: string;
}


/** Checks parsed dataset.yaml data (`file` names it in errors); BAD_DATA naming the field. */
export function checkDatasetInfo(data: unknown, file: string): DatasetInfo {
  const bad = (field: string, why: string): BentoError => new BentoError('BAD_DATA', `${file}: ${field} ${why}`, [{ path: `/${field}`, message: why }]);
  if (!isMap(data)) throw bad('', 'is not a mapping');
  if (typeof data.name !== 'string' || !NAME_RE.test(data.name)) throw bad('name', 'is missing or not a valid dataset name');
  if (typeof data.version !== 'string' || !VERSION_RE.test(data.version)) throw bad('version', 'is missing or not a valid version');
  if (typeof data.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(data.digest)) throw bad('digest', 'is not a sha256 digest');
  if (!data.digest.slice(7).startsWith(data.version)) throw bad('version', 'is not the start of the digest');
  if (data.file !== DATA_FILE) throw bad('file', `must be ${DATA_FILE}`);
  for (const k of ['size', 'rows'] as const) if (!Number.isInteger(data[k])) throw bad(k, 'is not a whole number');
  if (!Array.isArray(data.header) || !data.header.every((h) => typeof h === 'string')) throw bad('header', 'is not a list of column names');
  if (!isMap(data.schema) || !isMap(data.schema.columns)) throw bad('schema', 'is missing its columns');
  if (!isMap(data.profile)) throw bad('profile', 'is missing');
  return data as unknown as DatasetInfo;
}

/** The dataset store's codec for dataset.yaml. */
export const datasetInfoCodec: InfoCodec<DatasetInfo> = {
  parse(text, file) {
    return checkDatasetInfo(parseInfoYaml(text, file, 'BAD_DATA'), file);
  },
  stringify: (info) => YAML.stringify(info, { lineWidth: 0, aliasDuplicateObjects: false }),
};

/**
 * Runs (what MLflow tracked): every training writes one record, `$BENTO_HOME/runs/<name>/<id>/run.yaml`
 * with its charts — when it started and how long it took, the chosen parameters and the whole grid with
 * each candidate's CV score, the metrics on the validation and test splits, the data (its dataset version
 * when stored), the code version (git commit and whether the tree was dirty; absent outside git), the
 * model it produced, and the promotion gate's verdict when the bridge retrained it. `<name>` is the
 * model's name, `<id>` a new version string (sorting by start time).
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { BentoError } from '../errors.js';
import { bentoHome } from '../store/home.js';
import { parseInfoYaml } from '../store/info-file.js';
import { Store, type InfoCodec, type Stored } from '../store/store.js';
import { digestTree } from '../store/digest.js';
import { formatTag, NAME_RE } from '../store/tag.js';
import type { CvResult, Grid } from './grid-search.js';
import type { RegressionMetrics } from './metrics.js';

/** The info file of a run. */
export const RUN_INFO_FILE = 'run.yaml';

/** The code a run was trained with. */
export interface CodeVersion {
  commit: string;
  /** Whether the working tree had uncommitted changes. */
  dirty: boolean;
}

/** What the promotion gate decided about a retrained model (written by the bridge). */
export interface GateVerdict {
  passed: boolean;
  metric: string;
  /** Allowed relative worsening, e.g. 0.05. */
  tolerance: number;
  candidate: number;
  /** The served model's figure on the same rows (absent when nothing was served). */
  served?: number;
  served_model?: string;
  rows: number;
  reason: string;
}

export interface RunInfo {
  /** The model's name. */
  name: string;
  /** The run id. */
  version: string;
  /** ISO 8601: when the run started. */
  creation_time: string;
  duration_s: number;
  /** The model stored (`name:version`); absent when the promotion gate refused it. */
  model?: string;
  /** The chosen parameters (the best candidate on the fixed ones). */
  params: Record<string, unknown>;
  search: { grid: Grid; folds: number; scoring: string; best_index: number };
  /** Every grid candidate with its CV score, in grid order. */
  cv_results: CvResult[];
  metrics: { validation: RegressionMetrics; test: RegressionMetrics };
  data: {
    /** The dataset version (`name:version`), when trained on a stored one. */
    dataset?: string;
    /** The CSV read. */
    file: string;
    digest: string;
    rows: number;
    train_rows: number;
    validation_rows: number;
    test_rows: number;
    source_rows: number;
    dropped_rows: number;
  };
  code?: CodeVersion;
  gate?: GateVerdict;
  /** Chart files stored with the run. */
  charts: string[];
  labels: Record<string, string>;
}

const runCodec: InfoCodec<RunInfo> = {
  parse(text, file) {
    const r = parseInfoYaml(text, file, 'BAD_CONFIG') as Partial<RunInfo> | null;
    if (!r || typeof r !== 'object' || typeof r.name !== 'string' || typeof r.version !== 'string' || typeof r.metrics !== 'object' || !Array.isArray(r.cv_results)) {
      throw new BentoError('BAD_CONFIG', `${file} is not a run record (name, version, metrics, cv_results)`);
    }
    return r as RunInfo;
  },
  stringify: (info) => YAML.stringify(info, { lineWidth: 0, aliasDuplicateObjects: false }),
};

export type StoredRun = Stored<RunInfo>;

/** The run store under the current BENTO_HOME (`$BENTO_HOME/runs`). */
export function runStore(): Store<RunInfo> {
  return new Store<RunInfo>({ root: path.join(bentoHome(), 'runs'), infoFile: RUN_INFO_FILE, kind: 'run', codec: runCodec });
}

/** Writes a run record with its files (charts), atomically. */
export async function saveRun(info: RunInfo, files: Record<string, string | Uint8Array> = {}): Promise<StoredRun> {
  return runStore().create(info.name, info.version, async (tmp) => {
    for (const [rel, content] of Object.entries(files)) await fs.writeFile(path.join(tmp, rel), content);
    const digests = await digestTree(tmp);
    return { ...info, charts: Object.keys(digests).sort() };
  });
}

/** Every run (of one model name), newest first. */
export function listRuns(name?: string): Promise<StoredRun[]> {
  return runStore().list(name);
}

/**
 * Finds a run: `name:id` (or `name`, the newest of that model), or an id alone (or a unique prefix of one)
 * among every model's runs. Unknown → TAG_NOT_FOUND; a prefix matching several → TAG_AMBIGUOUS.
 */
export async function getRun(ref: string): Promise<StoredRun> {
  const store = runStore();
  if (ref.includes(':') || (NAME_RE.test(ref) && (await store.list(ref)).length > 0)) return store.resolve(ref);
  const matches = (await store.list()).filter((r) => r.info.version.startsWith(ref));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new BentoError('TAG_AMBIGUOUS', `run "${ref}" matches ${matches.length} runs: ${matches.map((r) => formatTag(r.info.name, r.info.version)).join(', ')}`);
  throw new BentoError('TAG_NOT_FOUND', `no run "${ref}" in ${store.root}`);
}

function git(args: string[], cwd: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 10_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : String(stdout)));
  });
}

/** The git commit of `dir` and whether its tree is dirty; undefined outside a git checkout (or without git). */
export async function codeVersion(dir: string): Promise<CodeVersion | undefined> {
  const commit = (await git(['rev-parse', 'HEAD'], dir))?.trim();
  if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  const status = await git(['status', '--porcelain'], dir);
  return { commit, dirty: status === undefined || status.trim() !== '' };
}

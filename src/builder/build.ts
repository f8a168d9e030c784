/**
 * `bento build` as a library call: bentofile → validated → resolved; bundle and inputs → plan (pure) →
 * apply (the store write). Returns the tag; an unchanged rebuild returns the stored bento untouched.
 */
import path from 'node:path';
import { BentoError } from '../errors.js';
import { formatTag, MAX_TAG_PART, VERSION_RE } from '../store/tag.js';
import { CONTENT_VERSION_RE, contentVersion } from '../bento/content-version.js';
import { BENTO_DOCKERFILE, type BentoInfo } from '../bento/bento-info.js';
import { displayPath, readBentofile } from './bentofile.js';
import { applyPlan } from './apply.js';
import { bundleService } from './bundle.js';
import { assetInputs, collectInputs } from './inputs.js';
import { planBento } from './plan.js';
import { resolveBuild } from './resolve.js';
import { typeCheck, typeErrors } from './type-check.js';

export interface BuildOptions {
  /** The project folder: paths in the bentofile are relative to it (default: the current folder). */
  projectDir?: string;
  /** The bentofile (default: `<projectDir>/bentofile.yaml`). */
  bentofile?: string;
  /** Use this version instead of the content-derived one. */
  version?: string;
  /** Labels added to (and overriding) the bentofile's. */
  labels?: Record<string, string>;
  /** Called with a short line at each step (the CLI shows them on a terminal). */
  onProgress?: (message: string) => void;
  /** Type-check the service's TypeScript first (`--type-check`): a type error is BAD_SERVICE and nothing is built. */
  typeCheck?: boolean;
  /** The runtime entry to bundle (default: the framework's src/runtime/main.ts); for tests and tools. */
  runtimeMain?: string;
}

export interface BuildResult {
  /** `name:version`. */
  tag: string;
  info: BentoInfo;
  dir: string;
  /** False when this exact bento was already stored. */
  created: boolean;
  /** Things the user may want to know (e.g. no Dockerfile template found). */
  warnings: string[];
}

const LABEL_KEY = /^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/;

/**
 * Builds a bento into the store under BENTO_HOME.
 *
 * @example
 *   const { tag } = await buildBento({ projectDir: '.', labels: { stage: 'dev' } }); // 'houses_model:3f9c…'
 */
export async function buildBento(opts: BuildOptions = {}): Promise<BuildResult> {
  const progress = opts.onProgress ?? (() => undefined);
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  if (opts.version !== undefined && (!VERSION_RE.test(opts.version) || opts.version === 'latest' || opts.version.length > MAX_TAG_PART)) {
    const shown = opts.version.length > 40 ? `${opts.version.slice(0, 40)}…` : opts.version;
    throw new BentoError('BAD_ARGUMENT', `--version "${shown}": at most ${MAX_TAG_PART} lowercase letters, digits, ".", "_" or "-", starting with a letter or digit (not "latest")`);
  }
  for (const [key, value] of Object.entries(opts.labels ?? {})) {
    if (!LABEL_KEY.test(key)) throw new BentoError('BAD_ARGUMENT', `--label "${key}": a label key is letters, digits, ".", "_", "/" or "-"`);
    // A label ends up in an image's LABEL line: refuse now what containerize would refuse later.
    if (/[\n\r\0]/.test(value)) throw new BentoError('BAD_ARGUMENT', `--label "${key}": the value must be one line (no newline, carriage return or NUL)`);
  }
  const file = path.resolve(opts.bentofile ?? path.join(projectDir, 'bentofile.yaml'));
  progress(`reading ${displayPath(file)}`);
  const config = await readBentofile(file);
  const build = await resolveBuild({ projectDir, config, bentofileLabel: displayPath(file), ...(opts.labels ? { labels: opts.labels } : {}) });
  const warnings: string[] = [];
  if (opts.typeCheck) {
    progress(`type-checking ${build.service.spec}`);
    const checked = typeCheck(projectDir, build.service.file);
    if (!checked.checked) warnings.push(`--type-check: not type-checked: ${checked.why}`);
    else if (checked.problems.length > 0) throw typeErrors(projectDir, checked.problems);
  }
  progress(`bundling ${build.service.spec} (${build.models.map((m) => m.tag).join(', ') || 'no models'})`);
  // Bundling and digesting the files on disk are independent: do both at once.
  const [bundle, inputs] = await Promise.all([
    bundleService({ projectDir, serviceFile: build.service.file, exportName: build.service.exportName, ...(opts.runtimeMain ? { runtimeMain: opts.runtimeMain } : {}) }),
    collectInputs(build),
  ]);
  const assets = await assetInputs(bundle.assets);
  const plan = planBento({
    build,
    bundle: bundle.code,
    sources: inputs.sources,
    models: inputs.models,
    env: [...inputs.env, ...assets],
    ...(inputs.dockerfile ? { dockerfile: inputs.dockerfile } : {}),
    runtime: inputs.runtime,
    ...(opts.version !== undefined ? { version: opts.version } : {}),
    now: new Date().toISOString(),
  });
  if (opts.version !== undefined && CONTENT_VERSION_RE.test(opts.version) && opts.version !== contentVersion(plan.info)) {
    // That shape means "derived from the content"; an import would refuse a bento whose content says otherwise.
    throw new BentoError('BAD_ARGUMENT', `--version "${opts.version}": 16 hex characters are reserved for content-derived versions (this content gives ${contentVersion(plan.info)})`);
  }
  const tag = formatTag(plan.info.name, plan.info.version);
  progress(`writing ${tag} (${plan.files.length} files)`);
  const result = await applyPlan(plan);
  if (inputs.missingDockerfile) warnings.push(`no Dockerfile template found: the bento has no ${BENTO_DOCKERFILE}`);
  progress(result.created ? `built ${tag}` : `${tag} is already stored (unchanged)`);
  return { tag, ...result, warnings };
}

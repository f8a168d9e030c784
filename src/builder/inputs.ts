/**
 * Gathers the files on disk that go into a bento, with their digests: project sources, model folders,
 * onnxruntime packages, bundle assets and the Dockerfile template. Reads only.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { listFiles, sha256File } from '../store/digest.js';
import { bentosRoot, modelsRoot } from '../store/home.js';
import { BENTO_DOCKERFILE } from '../bento/bento-info.js';
import { FRAMEWORK_DOCKERFILE } from '../bento/dockerfile-template.js';
import type { BundleAsset } from './bundle.js';
import { assertInsideProject } from './inside.js';
import { onnxruntimeFiles } from './onnxruntime-files.js';
import { mapLimit } from './pool.js';
import type { InputFile } from './plan.js';
import type { ResolvedBuild } from './resolve.js';
import { listSources } from './sources.js';

// Digests of unchanged files are reused within a process (the onnxruntime binaries alone are 45 MB).
const digestCache = new Map<string, string>();

async function digest(file: string): Promise<string> {
  const st = await fs.stat(file);
  const key = `${file}\0${st.size}\0${st.mtimeMs}\0${st.ino}`;
  let d = digestCache.get(key);
  if (!d) {
    d = await sha256File(file);
    digestCache.set(key, d);
  }
  return d;
}

function withDigests(files: Array<Omit<InputFile, 'digest'>>): Promise<InputFile[]> {
  return mapLimit(files, 8, async (f) => ({ ...f, digest: await digest(f.from) }));
}

async function assetFiles(assets: BundleAsset[]): Promise<Array<Omit<InputFile, 'digest'>>> {
  const out: Array<Omit<InputFile, 'digest'>> = [];
  for (const a of assets) {
    const st = await fs.stat(a.from).catch(() => undefined);
    if (!st) continue;
    if (st.isFile()) out.push({ from: a.from, to: a.to, link: true });
    else for (const rel of await listFiles(a.from)) out.push({ from: path.join(a.from, ...rel.split('/')), to: `${a.to}/${rel}`, link: true });
  }
  return out;
}

export interface CollectedInputs {
  sources: InputFile[];
  models: InputFile[];
  env: InputFile[];
  dockerfile?: InputFile;
  runtime: { node: string; onnxruntime_node: string };
  /** Set when no Dockerfile template was found (the bento is built without env/docker/Dockerfile). */
  missingDockerfile?: boolean;
}

/** The project's Dockerfile, else the framework's; undefined when neither exists. */
function dockerfileTemplate(projectDir: string): string | undefined {
  const own = path.join(projectDir, 'Dockerfile');
  if (existsSync(own)) assertInsideProject(projectDir, own, 'the Dockerfile template', 'Dockerfile');
  return [own, FRAMEWORK_DOCKERFILE].find((f) => existsSync(f));
}

/** Digested files of the bundle's assets (known only once the bundle is made). */
export async function assetInputs(assets: BundleAsset[]): Promise<InputFile[]> {
  return withDigests(await assetFiles(assets));
}

/** Lists and digests every on-disk input of a build but the bundle's assets (so it can run beside the bundler). */
export async function collectInputs(build: ResolvedBuild): Promise<CollectedInputs> {
  // The stores are never sources, wherever BENTO_HOME puts them inside the project.
  const stores = [modelsRoot(), bentosRoot()].map((d) => path.relative(build.projectDir, d)).filter((r) => r && !r.startsWith('..') && !path.isAbsolute(r));
  const sourceList = await listSources(build.projectDir, build.include, build.exclude, stores.map((r) => r.split(path.sep).join('/')));
  const modelList: Array<Omit<InputFile, 'digest'>> = [];
  for (const m of build.models) {
    for (const rel of await listFiles(m.dir)) {
      modelList.push({ from: path.join(m.dir, ...rel.split('/')), to: `models/${m.info.name}/${m.info.version}/${rel}` });
    }
  }
  const ort = await onnxruntimeFiles();
  const envList = ort.files.map((f) => ({ ...f, link: true }));
  const dockerfile = dockerfileTemplate(build.projectDir);
  const [sources, models, env, docker] = await Promise.all([
    withDigests(sourceList.map((rel) => ({ from: path.join(build.projectDir, ...rel.split('/')), to: rel }))),
    withDigests(modelList),
    withDigests(envList),
    dockerfile ? withDigests([{ from: dockerfile, to: BENTO_DOCKERFILE }]) : Promise.resolve([]),
  ]);
  return {
    sources,
    models,
    env,
    ...(docker[0] ? { dockerfile: docker[0] } : { missingDockerfile: true }),
    runtime: { node: process.version, onnxruntime_node: ort.versions.onnxruntime_node },
  };
}

/**
 * `bento deploy`: a bento (tag or folder) → a production bundle folder (compose or Kubernetes, with
 * Prometheus, Alertmanager and Grafana). The bundle is written to a temporary folder beside the output
 * and renamed into place, so an interrupted deploy leaves no half-written bundle.
 *
 * @example
 *   await deploy({ bento: 'houses_model:latest', target: 'compose', out: 'deploy/' });
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { locateBento } from '../bento/locate.js';
import { BentoError } from '../errors.js';
import { planBundle, type BundlePlan } from './bundle.js';
import type { DeployOptions, DeployTarget } from './settings.js';

export interface DeployRequest extends DeployOptions {
  /** A bento tag or folder. */
  bento: string;
  target: DeployTarget;
  /** The bundle's folder; must not exist or be empty, unless `force`. */
  out: string;
  /** Replace a non-empty `out`. */
  force?: boolean;
}

export interface DeployResult {
  dir: string;
  bento: { name: string; version: string };
  plan: BundlePlan;
}

export async function deploy(req: DeployRequest): Promise<DeployResult> {
  const { info } = await locateBento(req.bento);
  const plan = planBundle(info, req.target, req);
  const dir = path.resolve(req.out);
  let replace = false;
  if (existsSync(dir)) {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new BentoError('ALREADY_EXISTS', `-o ${req.out} exists and is not a folder`);
    if ((await fs.readdir(dir)).length > 0) {
      if (!req.force) throw new BentoError('ALREADY_EXISTS', `-o ${req.out} is not empty (pass --force to replace it)`);
    }
    replace = true;
  }
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const stage = await fs.mkdtemp(path.join(path.dirname(dir), `.${path.basename(dir)}.deploy-`));
  try {
    for (const f of plan.files) {
      const file = path.join(stage, ...f.path.split('/'));
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, f.content);
    }
    if (replace) {
      const old = `${stage}.old`;
      await fs.rename(dir, old);
      await fs.rename(stage, dir);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(stage, dir);
    }
  } catch (err) {
    await fs.rm(stage, { recursive: true, force: true });
    throw err;
  }
  return { dir, bento: { name: info.name, version: info.version }, plan };
}

/**
 * `npm start`: the main job in one command — train the project's model (its conf/base catalog) if the store has none, build the
 * bento for the current inputs (an unchanged build is a no-op), and serve it in production mode.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { buildBento } from '../../builder/build.js';
import { listModels } from '../../models/model-store.js';
import { runForwarding } from '../child.js';
import { progressBar } from '../progress.js';
import { projectRoot } from '../../store/home.js';
import { CATALOG_FILE, DEFAULT_CONF, planTraining, trainAndSave } from '../../pipeline/train-and-save.js';
import type { Command } from '../command.js';

const say = (line: string): void => void process.stderr.write(`bento start: ${line}\n`);

export const start: Command = {
  summary: 'train if needed, build the bento, serve it in production mode (npm start)',
  usage: 'start [--port P] [--workers N]',
  options: {
    port: { type: 'string', short: 'p', arg: 'P', description: 'port (default: BENTOML_PORT, else PORT, else 3000)' },
    workers: { type: 'string', arg: 'N', description: 'worker processes (default: the CPU count)' },
  },
  async run({ values }) {
    // From a subfolder, the project it is in: its conf, its bentofile, its stores.
    process.chdir(projectRoot());
    // A project without a catalog trains with `bento train --data … --target …`: nothing to train here.
    const plan = existsSync(path.join(DEFAULT_CONF, CATALOG_FILE)) ? await planTraining() : undefined;
    if (plan && (await listModels(plan.name)).length === 0) {
      say(`no ${plan.name} in the model store: training on ${path.relative(process.cwd(), plan.dataPath)}`);
      const bar = progressBar('grid search');
      const { info } = await trainAndSave({ onProgress: (d, t) => bar.update(d, t) }).finally(() => bar.stop());
      say(`trained ${info.name}:${info.version} (validation MAE ${info.metrics.mean_absolute_error?.toFixed(2)})`);
    }
    const built = await buildBento();
    say(`${built.created ? 'built' : 'up to date:'} ${built.tag}`);
    const flags = ['--production'];
    for (const name of ['port', 'workers']) if (typeof values[name] === 'string') flags.push(`--${name}`, values[name] as string);
    return runForwarding([path.join(built.dir, built.info.runtime.entry), ...flags]);
  },
};

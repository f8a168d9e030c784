import { progressBar } from '../progress.js';
import { trainOnData } from '../../datasets/train.js';
import { CATALOG_FILE, DEFAULT_CONF, PARAMS_FILE } from '../../pipeline/train-and-save.js';
import { projectRoot } from '../../store/home.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';

export const train: Command = {
  summary: 'train a random forest (the project conf, or any numeric CSV) and save it to the model store',
  usage: 'train [--conf DIR] [--data CSV | --dataset NAME[:VERSION]] [--target COLUMN [--features A,B,…]] [--params YAML] [--name NAME] [-o json]',
  options: {
    conf: { type: 'string', arg: 'DIR', description: `conf folder with ${CATALOG_FILE} and ${PARAMS_FILE} (default ${DEFAULT_CONF})` },
    data: { type: 'string', arg: 'CSV', description: `training data (default: the catalog's data); stored as a dataset version` },
    dataset: { type: 'string', arg: 'NAME[:VERSION]', description: 'train on a stored dataset version (bento data add) instead of a file' },
    target: { type: 'string', arg: 'COLUMN', description: 'train on --data without the catalog: the column to predict' },
    features: { type: 'string', arg: 'A,B,…', description: 'with --target: the input columns, in order (default every other numeric column)' },
    params: { type: 'string', arg: 'YAML', description: `training parameters (default ${PARAMS_FILE} in the conf folder)` },
    name: { type: 'string', arg: 'NAME', description: "model name in the store (default the catalog's model, or the data file's name)" },
    ...OUTPUT_OPTION,
  },
  help:
    `Without --target, trains what ${DEFAULT_CONF}/${CATALOG_FILE} describes (data, columns, target, features,\n` +
    `cleaning rules, model name). With --data FILE --target COLUMN, trains any numeric CSV with no catalog:\n` +
    `rows missing a feature or the target are dropped. Either way the split, the grid (max_depth × random_state)\n` +
    `and the k-fold cross-validation come from ${PARAMS_FILE} when there is one (built-in defaults otherwise);\n` +
    'the best forest is refitted, exported to ONNX and stored with its metrics, charts and preprocessing.',
  async run({ values }) {
    const json = outputFormat(values) === 'json';
    const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
    const features = str('features')
      ?.split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '');
    // Paths given on the command line are the shell's (relative to here); without any, the project this folder is in.
    const ownPaths = ['conf', 'data', 'params'].some((k) => str(k) !== undefined);
    const bar = progressBar('grid search');
    const { info, run } = await trainOnData({
      ...(ownPaths ? {} : { project: projectRoot() }),
      ...(str('dataset') !== undefined ? { dataset: str('dataset') } : {}),
      ...(str('conf') !== undefined ? { conf: str('conf') } : {}),
      ...(str('data') !== undefined ? { dataPath: str('data') } : {}),
      ...(str('target') !== undefined ? { target: str('target') } : {}),
      ...(features !== undefined ? { features } : {}),
      ...(str('params') !== undefined ? { paramsPath: str('params') } : {}),
      ...(str('name') !== undefined ? { name: str('name') } : {}),
      onProgress: (done, total) => bar.update(done, total),
    }).finally(() => bar.stop()); // an error is printed on a clean line, not over the bar
    if (json) {
      const out = { tag: `${info.name}:${info.version}`, run: `${run.name}:${run.version}`, dataset: run.data.dataset, metrics: info.metrics, test: run.metrics.test, params: info.params };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
      return;
    }
    const m = info.metrics;
    process.stdout.write(
      `Saved model ${info.name}:${info.version}\n` +
        `  features: ${info.features.join(', ')}\n` +
        `  best params: max_depth=${String(info.params.max_depth)} random_state=${String(info.params.random_state)}\n` +
        `  validation: accuracy (R²×100) ${m.accuracy?.toFixed(2)}  MAE ${m.mean_absolute_error?.toFixed(2)}  ` +
        `MSE ${m.mean_squared_error?.toFixed(1)}  max error ${m.max_error?.toFixed(2)}\n` +
        `  test:       accuracy (R²×100) ${run.metrics.test.accuracy.toFixed(2)}  MAE ${run.metrics.test.mean_absolute_error.toFixed(2)}\n` +
        `  run: ${run.name}:${run.version}   data: ${run.data.dataset ?? run.data.file}\n`,
    );
  },
};

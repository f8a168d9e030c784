import { progressBar } from '../progress.js';
import { DEFAULT_DATA, DEFAULT_MODEL_NAME, DEFAULT_PARAMS, trainAndSave } from '../../pipeline/train-and-save.js';
import { OUTPUT_OPTION, outputFormat, type Command } from '../command.js';


export const train: Command = {
  summary: 'train the activities random forest and save it to the model store',
  usage: 'train [--data CSV] [--params YAML] [--name NAME] [-o json]',
  options: {
    data: { type: 'string', arg: 'CSV', description: `training data of the activities schema (default ${DEFAULT_DATA})` },
    params: { type: 'string', arg: 'YAML', description: `training parameters (default ${DEFAULT_PARAMS})` },
    name: { type: 'string', arg: 'NAME', description: `model name in the store (default ${DEFAULT_MODEL_NAME})` },
    ...OUTPUT_OPTION,
  },
  help: 'Grid-searches max_depth × random_state with k-fold cross-validation (see the parameters file),\nrefits the best forest, exports it to ONNX and stores it with its metrics and charts.',
  async run({ values }) {
    const json = outputFormat(values) === 'json';
    const bar = progressBar('grid search');
    const { info } = await trainAndSave({
      ...(typeof values.data === 'string' ? { dataPath: values.data } : {}),
      ...(typeof values.params === 'string' ? { paramsPath: values.params } : {}),
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      onProgress: (done, total) => bar.update(done, total),
    }).finally(() => bar.stop()); // an error is printed on a clean line, not over the bar
    if (json) {
      process.stdout.write(JSON.stringify({ tag: `${info.name}:${info.version}`, metrics: info.metrics, params: info.params }, null, 2) + '\n');
      return;
    }
    const m = info.metrics;
    process.stdout.write(
      `Saved model ${info.name}:${info.version}\n` +
        `  best params: max_depth=${String(info.params.max_depth)} random_state=${String(info.params.random_state)}\n` +
        `  validation: accuracy (R²×100) ${m.accuracy?.toFixed(2)}  MAE ${m.mean_absolute_error?.toFixed(2)}  ` +
        `MSE ${m.mean_squared_error?.toFixed(1)}  max error ${m.max_error?.toFixed(2)}\n`,
    );
  },
};

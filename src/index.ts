/**
 * The public API: everything the `bento` CLI does is reachable from here.
 *
 * @example
 *   import { trainAndSave, buildBento, containerize } from 'bento-ts';
 *   const { info } = await trainAndSave({ dataPath: 'data/01_raw/DATA.csv' });
 *   const { tag } = await buildBento({ projectDir: '.' });
 *   await containerize({ bento: tag, backend: 'podman' });
 */
export { BentoError, ERROR_STATUS, isBentoError, type ErrorCode, type ErrorDetail } from './errors.js';
export * from './sdk/index.js';
export type { ModelInfo, TensorSpec, FeatureStats } from './models/model-info.js';

// train → store
export { runTraining, type TrainingOptions, type TrainingResult } from './pipeline/pipeline.js';
export { trainAndSave, type TrainAndSaveOptions } from './pipeline/train-and-save.js';
export { predict, predictRow, type Forest, type Tree } from './forest/forest.js';
export { saveModel, getModel, listModels, deleteModel, exportModel } from './models/model-store.js';
export { importModel, type ImportOptions } from './models/import.js';
export { parseTag, formatTag } from './store/tag.js';
export { bentoHome } from './store/home.js';
export { forestToOnnx, readOnnxSignature, onnxToForest, mlRandomForestToForest } from './onnx/index.js';

// build
export * from './builder/index.js';

// serve
export { createServer, type ServerOptions } from './runtime/server.js';
export { runBento } from './runtime/main.js';

// containerize
export { containerize, type ContainerizeOptions, type ContainerizeResult } from './containerize/containerize.js';
export { renderDockerfile } from './containerize/dockerfile.js';
export { createBackend, detectBackend } from './containerize/backends.js';

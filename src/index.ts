/**
 * The public API: everything the `bento` CLI does is reachable from here, room by room (see README,
 * "Architecture").
 *
 * @example
 *   import { trainAndSave, buildBento, containerize } from 'bento-ts';
 *   const { info } = await trainAndSave({ conf: 'conf/base' });
 *   const { tag } = await buildBento({ projectDir: '.' });
 *   await containerize({ bento: tag, backend: 'podman' });
 */
export { BentoError, ERROR_STATUS, isBentoError, fromThrown, formatError, exitCodeFor, type ErrorCode, type ErrorDetail } from './errors.js';

// store: tags and where the stores live
export { parseTag, formatTag } from './store/tag.js';
export { bentoHome } from './store/home.js';
export { DEFAULT_ARCHIVE_LIMITS, archiveLimits, type ArchiveLimits } from './store/archive-limits.js';

// forest and ONNX
export { predict, predictRow, type Forest, type Tree } from './forest/forest.js';
export { forestToOnnx, type ForestToOnnxOptions } from './onnx/write.js';
export { readOnnxSignature, onnxToForest, type OnnxSignature } from './onnx/read.js';
export { mlRandomForestToForest } from './onnx/ml-random-forest.js';
export { loadSession, runForest, type Session } from './onnx/session.js';
export { DEFAULT_MODEL_LIMITS, modelLimits, type ModelLimits } from './onnx/limits.js';

// models: the contract and the store
export type { ModelInfo, TensorSpec, FeatureStats, ModelPreprocessing, PreprocessingRule, PredictionReference } from './models/model-info.js';
export { readModelInfo } from './models/model-yaml.js';
export { rowsSignature } from './models/signature.js';
export { saveModel, getModel, listModels, exportModel } from './models/model-store.js';
export { importModel, type ImportOptions } from './models/import.js';

// sdk: declaring a service
export * from './sdk/index.js';

// pipeline: conf → training → model store; the stored rules → serving preprocessing
export { loadCatalog, parseCatalog, type Catalog } from './pipeline/catalog.js';
export { loadParams, DEFAULT_TRAINING_PARAMS, type TrainingParams } from './pipeline/params.js';
export { runTraining, type TrainingOptions, type TrainingResult } from './pipeline/pipeline.js';
export { trainAndSave, planTraining, DEFAULT_CONF, type TrainAndSaveOptions } from './pipeline/train-and-save.js';
export { recordPreprocessor, preprocessRecord } from './pipeline/rules.js';
export { recordsToRows, type Records } from './pipeline/preprocess.js';
export { getRun, listRuns, type RunInfo } from './pipeline/runs.js';

// datasets: content-addressed data versions
export { addDataset, addDatasetFile, getDataset, listDatasets, exportDataset } from './datasets/dataset-store.js';
export { addRows } from './datasets/rows.js';
export { trainOnData } from './datasets/train.js';

// bento: the format, the store, archives
export type { BentoInfo, BentoApi, BentoModelRef } from './bento/bento-info.js';
export { loadBentoInfo, verifyBento, verifyBentoSync, VERIFIED_ENV } from './bento/bento-yaml.js';
export { bentoStore, listBentos, getBento, deleteBento, type BentoSummary } from './bento/bento-store.js';
export { locateBento } from './bento/locate.js';
export { deleteModel } from './bento/model-use.js';
export { exportBento, type ArchiveFormat, type ExportOptions } from './bento/export.js';
export { importBento, type ImportResult } from './bento/import.js';

// builder: bentofile → bento
export { buildBento, type BuildOptions, type BuildResult } from './builder/build.js';
export { parseBentofile, readBentofile, validateBentofile, type BentofileConfig } from './builder/bentofile.js';
export { openApiDocument } from './builder/openapi.js';

// runtime: serving
export { createServer, type ServerOptions } from './runtime/server.js';
export { computeDrift, chooseTest, DEFAULT_DRIFT_SETTINGS, KS_MAX_REFERENCE_ROWS, type DriftResult, type DriftReference, type CurrentData, type DriftSettings, type FeatureDrift, type QualityStats, type TestResult } from './runtime/monitoring/drift.js';
export { ksTwoSample, wasserstein, normedWasserstein, jensenShannonDistance, jensenShannonDrift, psi } from './runtime/monitoring/stats.js';
export { runBento } from './runtime/main.js';

// containerize
export { containerize, type ContainerizeOptions, type ContainerizeResult } from './containerize/containerize.js';
export { renderDockerfile } from './containerize/dockerfile.js';
export { createBackend, detectBackend } from './containerize/backends.js';

// deploy: production bundles and drift reports
export { deploy } from './deploy/deploy.js';
export { driftReport } from './deploy/report/report.js';

// bridge: the control service
export { createBridge } from './bridge/server.js';
export { lineage } from './bridge/lineage.js';
export { compareModels } from './bridge/compare.js';

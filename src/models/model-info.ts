/**
 * What the model store keeps about one model version, in `models/<name>/<version>/model.yaml`.
 * Everything `bento models get -o json` shows comes from here.
 */
import type { ModelTask } from '../onnx/read.js';
import type { ValueType } from '../onnx/value-types.js';

/** One input or output of the model's graph. */
export interface TensorSpec {
  name: string;
  /** Dimensions; a string is a symbolic dimension such as "N" ('?' unnamed); [] for non-tensors and unstated ranks. */
  shape: Array<number | string>;
  /** Element type ('float32', 'int64', 'string', …), or a non-tensor spelled out: 'seq(map(int64,float32))' for a ZipMap's output. */
  dtype: ValueType;
}

export interface FeatureStats {
  /** Rows described (the training split). */
  count?: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  quantiles: Record<string, number>;
  histogram: { edges: number[]; counts: number[] };
  /** The training values drift monitoring compares traffic with: all of them up to 2000, else a seeded sample of 2000. */
  sample?: number[];
}

/** The model's predictions on its validation split, for prediction drift (absent for imported models). */
export interface PredictionReference {
  /** Validation rows the predictions stand for. */
  rows: number;
  /** The predictions: all of them up to 2000, else a seeded sample of 2000. */
  sample: number[];
  /** Pearson correlation of each feature with the prediction on the validation split. */
  correlations: Record<string, number>;
}

export interface ModelInfo {
  name: string;
  version: string;
  /** ISO 8601. */
  creation_time: string;
  /** How the model was made: trained here, or imported from another format. */
  source: 'trainer' | 'ml-random-forest' | 'onnx';
  /** The file the runtime loads, relative to the model folder. */
  model_file: 'model.onnx';
  signature: { inputs: TensorSpec[]; outputs: TensorSpec[] };
  /**
   * Feature names in input column order, for a "rows model" (one 2-D numeric input: a row of features per
   * record), which the rows API can serve; [] for any other model (served through handler APIs).
   */
  features: string[];
  /** What the model does, when its operators say (an imported ONNX classifier or regressor). */
  task?: ModelTask;
  /** A classifier's class labels, in the order of its probability columns (int64 labels as numbers). */
  class_labels?: Array<number | string>;
  /** Validation metrics (empty for imported models). */
  metrics: Record<string, number>;
  /** Chosen training parameters. */
  params: Record<string, unknown>;
  /** The training pipeline's cleaning rules and what they learned, so serving applies the same ones (absent for imported models). */
  preprocessing?: ModelPreprocessing;
  training_data?: { digest: string; rows: number; train_rows?: number; validation_rows?: number; test_rows?: number };
  /** The run that trained it (`name:id` in `$BENTO_HOME/runs`; absent for imported models): parameters, data version, code version. */
  run?: string;
  /** Per-feature reference statistics of the training data, for drift checks. */
  reference?: Record<string, FeatureStats>;
  /** The predictions on the validation split, for prediction drift. */
  prediction_reference?: PredictionReference;
  labels: Record<string, string>;
  /** sha256 (hex) of every file in the model folder except model.yaml, by relative path. */
  files: Record<string, string>;
}

/** One cleaning rule of the training pipeline, as resolved from conf/ and stored in model.yaml (see src/pipeline/rules.ts). */
export type PreprocessingRule =
  | { clip: string; min?: number; max?: number }
  | { fill_mean: string }
  | { drop_missing: string[] }
  | { rename: string; from: string; to: string };

/** What serving needs to turn a record into the model's input row exactly as training did. */
export interface ModelPreprocessing {
  /** The model's inputs, in column order (the same as `features`). */
  features: string[];
  target: string;
  /** Applied in order, to the training table and to each served record. */
  rules: PreprocessingRule[];
  /** The values the `fill_mean` rules learned from the training data, by column. */
  fill: Record<string, number>;
}

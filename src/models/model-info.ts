/**
 * What the model store keeps about one model version, in `models/<name>/<version>/model.yaml`.
 * Everything `bento models get -o json` shows comes from here.
 */
export interface TensorSpec {
  name: string;
  /** Dimensions; a string is a symbolic dimension such as "N". */
  shape: Array<number | string>;
  dtype: 'float32';
}

export interface FeatureStats {
  mean: number;
  std: number;
  min: number;
  max: number;
  quantiles: Record<string, number>;
  histogram: { edges: number[]; counts: number[] };
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
  /** Feature names in input column order. */
  features: string[];
  /** Validation metrics (empty for imported models). */
  metrics: Record<string, number>;
  /** Chosen training parameters. */
  params: Record<string, unknown>;
  /** Values the serving preprocessing fills missing features with (e.g. the heart-rate training mean). */
  fill: Record<string, number>;
  training_data?: { digest: string; rows: number; train_rows?: number; validation_rows?: number; test_rows?: number };
  /** Per-feature reference statistics of the training data, for drift checks. */
  reference?: Record<string, FeatureStats>;
  labels: Record<string, string>;
  /** sha256 (hex) of every file in the model folder except model.yaml, by relative path. */
  files: Record<string, string>;
}

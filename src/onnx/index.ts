/** ONNX: forest → TreeEnsembleRegressor, reading signatures and ensembles back, ml-random-forest import, running. */
export { forestToOnnx, FEATURE_NAMES_KEY, type ForestToOnnxOptions } from './write.js';
export { readOnnxSignature, onnxToForest, type OnnxSignature } from './read.js';
export { mlRandomForestToForest, isMlRandomForestJson, type MlRandomForestOptions } from './ml-random-forest.js';
export { loadSession, runForest, type Session, type SessionOptions } from './session.js';

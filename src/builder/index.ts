/**
 * The packaging half of the product as a library: build a bento from a bentofile, and manage the bento
 * store (list, get, delete, export, import). The CLI commands are thin wrappers over these.
 */
export { buildBento, type BuildOptions, type BuildResult } from './build.js';
export { bentoStore, listBentos, getBento, deleteBento, type BentoSummary } from '../bento/bento-store.js';
export { exportBento, type ArchiveFormat, type ExportOptions } from '../bento/export.js';
export { importBento, type ImportResult } from '../bento/import.js';
export { loadBentoInfo, verifyBento } from '../bento/bento-yaml.js';
export { parseBentofile, readBentofile, validateBentofile, type BentofileConfig } from './bentofile.js';
export { openApiDocument } from './openapi.js';
export type { BentoInfo, BentoApi, BentoModelRef } from '../bento/bento-info.js';

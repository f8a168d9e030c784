/**
 * The packaging half of the product as a library: build a bento from a bentofile, and manage the bento
 * store (list, get, delete, export, import). The CLI commands are thin wrappers over these.
 */
export { buildBento, type BuildOptions, type BuildResult } from './build.js';
export { bentoStore, listBentos, getBento, deleteBento, type BentoSummary } from './bento-store.js';
export { exportBento, type ArchiveFormat, type ExportOptions } from './export.js';
export { importBento, type ImportResult } from './import.js';
export { loadBentoInfo, verifyBento } from './load.js';
export { parseBentofile, readBentofile, validateBentofile, type BentofileConfig } from './bentofile.js';
export { openApiDocument } from './openapi.js';
export type { BentoInfo, BentoApi, BentoModelRef } from './bento-info.js';

// ferry-upload: the package entry point. Re-exports only; importing it has no side effects
// (safe during server-side rendering and in workers). The wasm engine loads on first start().

export { createUpload, forgetUpload, listResumableUploads } from './upload.js';
export { FerryError } from './errors.js';
export type { ErrorKind } from './errors.js';
export type {
  HeaderContext,
  HeadersOption,
  Progress,
  Reconnecting,
  ResumableUpload,
  RetryOptions,
  Upload,
  UploadEvents,
  UploadOptions,
  UploadResult,
  UploadState,
  Warning,
} from './types.js';

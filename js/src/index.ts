// ferry-upload: the package entry point. Re-exports only; importing it has no side effects
// (safe during server-side rendering and in workers). The wasm engine loads on first start().

export { createUpload } from './upload.js';
export { forgetUpload, listResumableUploads, resumeAll } from './sessions.js';
export { FerryError } from './errors.js';
export { createUploadQueue } from './queue.js';
export type {
  QueueItem,
  QueueItemOptions,
  QueueItemState,
  QueueProgress,
  UploadQueue,
  UploadQueueEvents,
  UploadQueueOptions,
} from './queue.js';
export type { ErrorKind } from './errors.js';
export type {
  HeaderContext,
  HeadersOption,
  Progress,
  PushUpload,
  Reconnecting,
  RecorderLike,
  RecordingBufferKind,
  RecordingEvents,
  RecordingProgress,
  RecordingSource,
  RecordingUpload,
  RecordingUploadOptions,
  ResumableUpload,
  ResumeAllResult,
  FileSystemFileHandleLike,
  RetryOptions,
  Upload,
  UploadEvents,
  UploadOptions,
  UploadResult,
  UploadState,
  Warning,
} from './types.js';

// ferry-upload/recording: createUpload() that also uploads while recording (`source`: a
// MediaRecorder, a ReadableStream or 'push'). It hands the recording code (recording/: the
// durable buffer and the source listeners) to the upload object of upload.ts, which otherwise
// never imports it: an app that only uploads files does not download it. Import it statically
// where you record, so that a recording is buffered durably even offline.
//
// What it does not do: anything for files that `ferry-upload` does not already do.

import { support } from './recording/support.js';
import { uploadWith } from './upload.js';
import type { PushUpload, RecordingUpload, RecordingUploadOptions, Upload, UploadOptions } from './types.js';

/**
 * `createUpload` of `ferry-upload`, and with `source` instead of `file` it uploads while
 * recording: a `MediaRecorder` (listened to from now on, so create the upload before
 * `recorder.start()`), a `ReadableStream`, or `'push'` (the app calls `append()` and `end()`).
 * `start()` resolves once the recording ended and every byte is on the server.
 *
 * ```ts
 * import { createUpload } from 'ferry-upload/recording';
 * const upload = createUpload({ endpoint: '/files/', source: recorder });
 * const done = upload.start();
 * recorder.start(1000);
 * // ... recorder.stop();
 * const { uploadUrl, bytesTotal } = await done;
 * ```
 */
export function createUpload(options: RecordingUploadOptions & { source: 'push' }): PushUpload;
export function createUpload(options: RecordingUploadOptions): RecordingUpload;
export function createUpload(options: UploadOptions): Upload;
export function createUpload(options: UploadOptions | RecordingUploadOptions): Upload | RecordingUpload {
  return uploadWith(options, support);
}

// The recording code that `ferry-upload/recording` (recording.ts) hands to the upload object of
// upload.ts: opening a new recording's buffer and listening to its source, and finishing a
// recording an earlier page left (for sessions.ts). Kept out of upload.ts's imports so that an
// app that only uploads files does not download it.
//
// What it does not do: store pieces (buffer.ts, stores.ts) or read sources (source.ts) itself.

import { FerryError } from '../errors.js';
import { describedEndpoint, randomId, uploadWith, type RecordingSupport } from '../upload.js';
import type { RecordingUpload, RecordingUploadOptions } from '../types.js';
import { RecordingBuffer } from './buffer.js';
import { checkSource, listen, sourceType } from './source.js';

export const support: RecordingSupport = {
  open(options, warn) {
    checkSource(options.source);
    const kind = options.buffer ?? 'auto';
    if (!['auto', 'indexeddb', 'memory'].includes(kind)) {
      throw new FerryError('usage', 'invalid_option', "option `buffer` must be 'auto', 'indexeddb' or 'memory'");
    }
    const buffer = new RecordingBuffer(options.fingerprint ?? `rec-${randomId()}`, warn, kind === 'auto' ? undefined : kind);
    const type = options.type ?? sourceType(options.source);
    buffer.describe({ endpoint: describedEndpoint(options.endpoint), metadata: { ...options.metadata }, type, createdAt: Date.now() });
    return { buffer, stop: listen(options.source, buffer, warn), type };
  },
};

/** An upload that finishes a recording stored by an earlier page (sessions.ts). */
export function continueRecording(options: RecordingUploadOptions, stored: RecordingBuffer): RecordingUpload {
  return uploadWith(options, support, stored) as RecordingUpload;
}

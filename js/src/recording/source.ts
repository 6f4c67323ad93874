// Listens to what is being recorded and appends it to a recording's buffer (buffer.ts): a
// MediaRecorder's `dataavailable` pieces (its `stop` ends the recording), a ReadableStream of
// Uint8Array or Blob pieces (read one at a time: the stream waits while a piece is stored), or
// nothing for the push form (`append`/`end`, called by the app). Listening starts at once, in
// createUpload(), so that no piece is missed while the engine loads.
//
// What it does not do: store or upload anything itself.

import { FerryError } from '../errors.js';
import type { RecorderLike, RecordingSource } from '../types.js';
import type { RecordingBuffer } from './buffer.js';

type Warn = (code: string, message: string) => void;

function isRecorder(source: unknown): source is RecorderLike {
  const s = source as Partial<RecorderLike> | null;
  return typeof s?.addEventListener === 'function' && typeof s.state === 'string' && typeof s.mimeType === 'string';
}

function isStream(source: unknown): source is ReadableStream<Uint8Array | Blob> {
  return typeof (source as { getReader?: unknown } | null)?.getReader === 'function';
}

/** Checks `source` before anything listens to it; throws a `usage` error naming what is wrong. */
export function checkSource(source: unknown): void {
  if (source === 'push' || isStream(source)) return;
  if (!isRecorder(source)) {
    throw new FerryError('usage', 'invalid_option', "option `source` must be a MediaRecorder, a ReadableStream of Uint8Array or Blob pieces, or 'push'");
  }
  if (source.state !== 'inactive') {
    throw new FerryError(
      'usage',
      'source_failed',
      `the MediaRecorder is already ${source.state}: pieces it delivered before createUpload() would be missing. ` +
        'Create the upload first, then call recorder.start()',
    );
  }
}

/** The MIME type of what `source` records, when it says. */
export function sourceType(source: RecordingSource): string {
  return isRecorder(source) ? source.mimeType : '';
}

/** Appends what `source` records to `buffer` until it ends; returns a function that stops listening. */
export function listen(source: RecordingSource, buffer: RecordingBuffer, warn: Warn): () => void {
  const failed = (what: string, err: unknown) => {
    const why = err instanceof Error ? err.message : String((err as { error?: unknown })?.error ?? err);
    warn('source_failed', `${what} (${why}); the upload finishes with what was recorded until then`);
    void buffer.end();
  };
  if (isRecorder(source)) {
    const onData = (event: Event) => {
      const data = (event as Event & { data?: Blob }).data;
      if (data && data.size > 0) buffer.append(data).catch((err: unknown) => failed('a piece could not be buffered', err));
    };
    // Firefox may dispatch the last `dataavailable` just after `stop`: end a task later.
    const onStop = () => { setTimeout(() => void buffer.end(), 0); };
    const onError = (event: Event) => failed('the recorder stopped with an error', event);
    source.addEventListener('dataavailable', onData);
    source.addEventListener('stop', onStop);
    source.addEventListener('error', onError);
    return () => {
      source.removeEventListener('dataavailable', onData);
      source.removeEventListener('stop', onStop);
      source.removeEventListener('error', onError);
    };
  }
  if (isStream(source)) {
    let stopped = false;
    const reader = source.getReader();
    void (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stopped) break;
        if (value instanceof Blob) await buffer.append(value);
        else if (value instanceof Uint8Array) await buffer.append(new Blob([value as BlobPart]));
        else throw new TypeError('the stream gave a piece that is neither a Uint8Array nor a Blob');
      }
      await buffer.end();
    })().catch((err: unknown) => failed('the stream failed', err));
    return () => {
      stopped = true;
      void reader.cancel().catch(() => undefined);
    };
  }
  return () => undefined;
}

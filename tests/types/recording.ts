// Type tests for uploads made while recording (`createUpload({ source })` of
// `ferry-upload/recording`): the sources it takes, the push form, progress whose total is
// unknown until the end, and resumed recordings; `ferry-upload`'s own createUpload takes files
// only. Compiled with `tsc --noEmit` only. Each `@ts-expect-error` line is a misuse that must
// not compile.
import { createUpload } from 'ferry-upload/recording';
import {
  createUpload as createFileUpload,
  listResumableUploads,
  resumeAll,
  type PushUpload,
  type RecordingProgress,
  type RecordingSource,
  type RecordingUpload,
  type RecordingUploadOptions,
  type Upload,
  type UploadResult,
} from 'ferry-upload';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}
declare const recorder: MediaRecorder;
declare const stream: ReadableStream<Uint8Array>;
declare const blobs: ReadableStream<Blob>;
declare const file: File;

// --- sources -----------------------------------------------------------------------------
const fromRecorder: RecordingUpload = createUpload({ endpoint: '/files/', source: recorder, metadata: { filename: 'take-1.webm' } });
const fromStream: RecordingUpload = createUpload({ endpoint: '/files/', source: stream, type: 'video/webm' });
createUpload({ endpoint: '/files/', source: blobs, fingerprint: 'take-1', chunkSize: 'auto', minChunkSize: 5 * 1024 * 1024 });
const pushed = createUpload({ endpoint: '/files/', source: 'push' });
assertType<Equal<typeof pushed, PushUpload>>(true);
assertType<Equal<RecordingSource, import('ferry-upload').RecorderLike | ReadableStream<Uint8Array | Blob> | 'push'>>(true);
// @ts-expect-error file and source are exclusive
createUpload({ endpoint: '/files/', file, source: recorder });
// @ts-expect-error a string other than 'push' is not a source
createUpload({ endpoint: '/files/', source: 'recorder' });
// @ts-expect-error a stream of strings is not a recording
createUpload({ endpoint: '/files/', source: new ReadableStream<string>() });
// @ts-expect-error a recording goes over one connection
createUpload({ endpoint: '/files/', source: recorder, parallelUploads: 4 });
// @ts-expect-error a recording has no file handle
createUpload({ endpoint: '/files/', source: recorder, fileHandle: { getFile: async () => file } });
// @ts-expect-error the endpoint is required
createUpload({ source: recorder });
createUpload({ endpoint: '/files/', source: 'push', buffer: 'memory' });
assertType<Equal<RecordingUploadOptions['buffer'], 'auto' | 'indexeddb' | 'memory' | undefined>>(true);
// @ts-expect-error the buffer is one of 'auto', 'indexeddb', 'memory'
createUpload({ endpoint: '/files/', source: recorder, buffer: 'disk' });
// @ts-expect-error a file needs no buffer
createUpload({ endpoint: '/files/', file, buffer: 'memory' });
const options: RecordingUploadOptions = { endpoint: '/files/', source: recorder };
void options;
// @ts-expect-error recordings need createUpload from 'ferry-upload/recording'
createFileUpload({ endpoint: '/files/', source: recorder });
// the recording entry's createUpload uploads files too
const plain: Upload = createUpload({ endpoint: '/files/', file });
void plain;

// --- the recording upload ------------------------------------------------------------------
assertType<Equal<ReturnType<RecordingUpload['start']>, Promise<UploadResult>>>(true);
assertType<Equal<typeof fromRecorder.bytesTotal, number | null>>(true);
assertType<Equal<typeof fromRecorder.bytesRecorded, number>>(true);
fromRecorder.on('progress', (p) => {
  assertType<Equal<typeof p, RecordingProgress>>(true);
  assertType<Equal<typeof p.bytesTotal, number | null>>(true);
  assertType<Equal<typeof p.percent, number | null>>(true);
  // @ts-expect-error the total may be unknown: no arithmetic without a check
  const left: number = p.bytesTotal - p.bytesConfirmed;
  void left;
});
fromStream.on('warning', ({ code }) => assertType<Equal<typeof code, string>>(true));
// @ts-expect-error a recording's total is not always a number
const total: number = fromRecorder.bytesTotal;
void total;
// @ts-expect-error only the push form takes pieces
void fromRecorder.append(new Blob());
// @ts-expect-error only the push form is ended by the app
void fromStream.end();
// @ts-expect-error a recording is not a file upload (its total may be unknown)
const asFile: Upload = fromRecorder;
void asFile;

async function push() {
  await pushed.append(new Blob(['a']));
  await pushed.append(new Uint8Array([1, 2, 3]));
  await pushed.append(new ArrayBuffer(8));
  // @ts-expect-error pieces are bytes, not text
  await pushed.append('text');
  await pushed.end();
  const { uploadUrl, bytesTotal } = await pushed.start();
  const url: string = uploadUrl;
  const n: number = bytesTotal;
  void url; void n;
}
void push;

// --- sessions -----------------------------------------------------------------------------
async function sessions() {
  for (const s of await listResumableUploads()) {
    assertType<Equal<typeof s.kind, 'file' | 'recording'>>(true);
    const buffered: number | undefined = s.bytesBuffered;
    void buffered;
  }
  const { recordings, resumed } = await resumeAll();
  assertType<Equal<typeof recordings, RecordingUpload[]>>(true);
  assertType<Equal<typeof resumed, Upload[]>>(true);
  // @ts-expect-error resumeAll finishes recordings from their buffers: no source
  await resumeAll({ source: recorder });
}
void sessions;

// Type tests for the core API (`ferry-upload`): createUpload, its events and states,
// listResumableUploads, forgetUpload, resumeAll, FerryError. Compiled with `tsc --noEmit`
// only; nothing here runs. Each `@ts-expect-error` line is a misuse that must not compile.
import {
  createUpload,
  forgetUpload,
  FerryError,
  listResumableUploads,
  resumeAll,
  type ErrorKind,
  type FileSystemFileHandleLike,
  type HeaderContext,
  type Progress,
  type Reconnecting,
  type ResumableUpload,
  type ResumeAllResult,
  type Upload,
  type UploadOptions,
  type UploadResult,
  type UploadState,
  type Warning,
} from 'ferry-upload';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}
declare const file: File;

// --- createUpload and its options ---------------------------------------------------------
const upload: Upload = createUpload({ endpoint: '/files/', file });
createUpload({ endpoint: new URL('https://x.test/files/'), file: new Blob(['x']) });
createUpload({
  endpoint: '/files/',
  file,
  chunkSize: 'auto',
  minChunkSize: 256 * 1024,
  maxChunkSize: 64 * 1024 * 1024,
  metadata: { album: 'a' },
  headers: async ({ refused, method, url }: HeaderContext) => ({ Authorization: `${refused}${method}${url}` }),
  uploadUrl: 'https://x.test/files/1',
  progressInterval: 100,
  retry: { baseDelay: 1, maxDelay: 2, budget: Infinity },
  stallTimeout: 30_000,
  allowedOrigins: ['https://storage.x.test'],
  resume: true,
  fingerprint: 'k',
  keepSession: false,
  onLocked: 'fail',
  idempotencyKey: 'key',
});
createUpload({ endpoint: '/files/', file, headers: { Authorization: 'Bearer x' }, chunkSize: 1024, idempotencyKey: false });
declare const handle: FileSystemFileHandleLike;
createUpload({ endpoint: '/files/', file, fileHandle: handle });
createUpload({ endpoint: '/files/', file, fileHandle: { getFile: async () => file } });
assertType<Equal<ReturnType<FileSystemFileHandleLike['getFile']>, Promise<File>>>(true);
// @ts-expect-error a handle must be able to reopen the file
createUpload({ endpoint: '/files/', file, fileHandle: {} });
// @ts-expect-error the file is required
createUpload({ endpoint: '/files/' });
// @ts-expect-error the endpoint is required
createUpload({ file });
// @ts-expect-error allowedOrigins is a list of origins
createUpload({ endpoint: '/files/', file, allowedOrigins: 'https://storage.x.test' });
// @ts-expect-error chunkSize is a number or 'auto'
createUpload({ endpoint: '/files/', file, chunkSize: '1MB' });
// @ts-expect-error metadata values are strings
createUpload({ endpoint: '/files/', file, metadata: { n: 1 } });
// @ts-expect-error headers values are strings
createUpload({ endpoint: '/files/', file, headers: { n: 1 } });
// @ts-expect-error onLocked is 'wait' or 'fail'
createUpload({ endpoint: '/files/', file, onLocked: 'skip' });
// @ts-expect-error a string is not a Blob
createUpload({ endpoint: '/files/', file: 'a.txt' });
// @ts-expect-error unknown option
createUpload({ endpoint: '/files/', file, chunksize: 1024 });

// --- the Upload object ------------------------------------------------------------------
assertType<Equal<ReturnType<Upload['start']>, Promise<UploadResult>>>(true);
assertType<Equal<ReturnType<Upload['resume']>, Promise<UploadResult>>>(true);
assertType<Equal<ReturnType<Upload['pause']>, void>>(true);
assertType<Equal<ReturnType<Upload['abort']>, Promise<void>>>(true);
assertType<Equal<UploadResult, { uploadUrl: string; bytesTotal: number }>>(true);
assertType<Equal<typeof upload.url, string | null>>(true);
assertType<Equal<typeof upload.state, UploadState>>(true);
assertType<Equal<typeof upload.bytesConfirmed, number>>(true);
void upload.abort({ terminate: true });
// @ts-expect-error terminate is a boolean
void upload.abort({ terminate: 'yes' });
// @ts-expect-error read-only
upload.state = 'paused';
// @ts-expect-error read-only
upload.url = 'x';

assertType<Equal<UploadState,
  'idle' | 'creating' | 'resuming' | 'uploading' | 'buffering' | 'reconnecting' | 'offline' | 'locked' | 'paused' | 'completed' | 'failed' | 'aborted'>>(true);

// --- events -----------------------------------------------------------------------------
const off: () => void = upload.on('progress', (p) => {
  assertType<Equal<typeof p, Progress>>(true);
  const n: number = p.bytesConfirmed + p.bytesTotal + p.percent + p.bytesPerSecond;
  const eta: number | null = p.etaSeconds;
  void n; void eta;
});
off();
upload.on('state', (s) => assertType<Equal<typeof s, UploadState>>(true));
upload.on('reconnecting', (r) => {
  assertType<Equal<typeof r, Reconnecting>>(true);
  assertType<Equal<typeof r.reason, FerryError>>(true);
  const n: number = r.attempt + r.retryIn + r.retryAt;
  void n;
});
upload.on('warning', (w) => assertType<Equal<typeof w, Warning>>(true));
upload.on('created', ({ url }) => assertType<Equal<typeof url, string>>(true));
upload.on('restarted', ({ reason }) => assertType<Equal<typeof reason, FerryError>>(true));
upload.on('error', (e) => assertType<Equal<typeof e, FerryError>>(true));
// @ts-expect-error no such event
upload.on('done', () => {});
// @ts-expect-error progress payload is not a number
upload.on('progress', (p: number) => p);

// --- errors -----------------------------------------------------------------------------
const err = new FerryError('network', 'network_error', 'offline');
assertType<Equal<typeof err.kind, ErrorKind>>(true);
assertType<Equal<typeof err.code, string>>(true);
assertType<Equal<typeof err.status, number | undefined>>(true);
const asError: Error = err;
void asError;
assertType<Equal<ErrorKind, 'usage' | 'protocol' | 'rejected' | 'network' | 'storage' | 'aborted' | 'expired' | 'locked'>>(true);
// @ts-expect-error not an error kind
new FerryError('timeout', 'x', 'y');
// @ts-expect-error read-only
err.code = 'x';

// --- sessions ---------------------------------------------------------------------------
assertType<Equal<ReturnType<typeof listResumableUploads>, Promise<ResumableUpload[]>>>(true);
assertType<Equal<ReturnType<typeof forgetUpload>, Promise<void>>>(true);
async function sessions() {
  for (const s of await listResumableUploads()) {
    const strings: string[] = [s.key, s.fingerprint, s.uploadUrl, s.endpoint, s.name, s.type];
    const numbers: number[] = [s.size, s.lastModified, s.bytesConfirmed, s.chunkSize, s.createdAt, s.updatedAt];
    const expires: number | null = s.expiresAt;
    const metadata: Record<string, string> = s.metadata;
    const handle: FileSystemFileHandleLike | undefined = s.fileHandle;
    void strings; void numbers; void expires; void metadata; void handle;
    await forgetUpload(s.key);
  }
  // @ts-expect-error the key is a string
  await forgetUpload(1);
  const r: ResumeAllResult = await resumeAll({ headers: { Authorization: 'x' } });
  const resumed: Upload[] = r.resumed;
  const needsFile: ResumableUpload[] = r.needsFile;
  void resumed; void needsFile;
  // @ts-expect-error resumeAll takes no file
  await resumeAll({ file });
  // @ts-expect-error a session continues at its own endpoint
  await resumeAll({ endpoint: '/elsewhere/' });
}
void sessions;

// UploadOptions is exported for apps that build options objects.
const options: UploadOptions = { endpoint: '/files/', file };
void options;

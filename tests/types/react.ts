// Type tests for `ferry-upload/react`: useUpload and useResumableUploads. Compiled with
// `tsc --noEmit` only; nothing here runs (hooks are called in a function that is never
// rendered). Each `@ts-expect-error` line is a misuse that must not compile.
import { FerryError, type Progress, type ResumableUpload, type Upload, type UploadResult, type UploadState } from 'ferry-upload';
import {
  useResumableUploads,
  useUpload,
  type UseResumableUploadsResult,
  type UseUploadOptions,
  type UseUploadResult,
} from 'ferry-upload/react';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}
declare const file: File;

export function Component(): void {
  const u: UseUploadResult = useUpload({ endpoint: '/files/' });
  useUpload({ endpoint: '/files/', file, chunkSize: 'auto', headers: async ({ refused }) => ({ A: String(refused) }) });
  useUpload({ endpoint: '/files/', file: null, metadata: { a: 'b' } });
  // @ts-expect-error the endpoint is required
  useUpload({ file });
  // @ts-expect-error fileHandle belongs to one file; use createUpload for it
  useUpload({ endpoint: '/files/', fileHandle: { getFile: async () => file } });

  assertType<Equal<typeof u.state, UploadState>>(true);
  assertType<Equal<typeof u.progress, Progress | null>>(true);
  assertType<Equal<typeof u.error, FerryError | null>>(true);
  assertType<Equal<typeof u.result, UploadResult | null>>(true);
  assertType<Equal<typeof u.upload, Upload | null>>(true);
  assertType<Equal<Parameters<UseUploadResult['start']>, [file?: Blob | null]>>(true);
  assertType<Equal<ReturnType<UseUploadResult['start']>, Promise<UploadResult>>>(true);
  assertType<Equal<ReturnType<UseUploadResult['resume']>, Promise<UploadResult>>>(true);
  assertType<Equal<ReturnType<UseUploadResult['pause']>, void>>(true);
  assertType<Equal<ReturnType<UseUploadResult['abort']>, Promise<void>>>(true);
  void u.start(file);
  void u.start();
  void u.abort({ terminate: true });
  // @ts-expect-error start takes a Blob, not a path
  void u.start('a.txt');
  // @ts-expect-error the hook's state is read from the result, not set
  u.state = 'paused';

  const r: UseResumableUploadsResult = useResumableUploads();
  assertType<Equal<typeof r.uploads, ResumableUpload[]>>(true);
  assertType<Equal<typeof r.loading, boolean>>(true);
  assertType<Equal<typeof r.error, FerryError | null>>(true);
  assertType<Equal<ReturnType<typeof r.refresh>, Promise<void>>>(true);
  assertType<Equal<Parameters<typeof r.forget>, [key: string]>>(true);
  // @ts-expect-error forget takes the session key
  void r.forget(1);
  // @ts-expect-error the hook takes no options
  useResumableUploads({ poll: true });
}

const opts: UseUploadOptions = { endpoint: '/files/' };
void opts;

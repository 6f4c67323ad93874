// Type tests for createUploadQueue (`ferry-upload`): options, items, events and controls.
// Compiled with `tsc --noEmit` only; nothing here runs. Each `@ts-expect-error` line is a
// misuse that must not compile.
import {
  createUploadQueue,
  FerryError,
  type Progress,
  type QueueItem,
  type QueueItemState,
  type QueueProgress,
  type Upload,
  type UploadQueue,
  type UploadResult,
  type UploadState,
} from 'ferry-upload';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}
declare const files: FileList;
declare const file: File;

const queue: UploadQueue = createUploadQueue({ endpoint: '/files/', concurrency: 2, chunkSize: 'auto', headers: { A: 'b' } });
createUploadQueue({ endpoint: '/files/' });
// @ts-expect-error the endpoint is required
createUploadQueue({ concurrency: 2 });
// @ts-expect-error concurrency is a number
createUploadQueue({ endpoint: '/files/', concurrency: 'many' });
// @ts-expect-error files are added, not given as an option
createUploadQueue({ endpoint: '/files/', file });

const items: QueueItem[] = queue.add(files);
queue.add(file);
queue.add([file, new Blob(['x'])], { metadata: { album: 'a' } });
// @ts-expect-error strings are not files
queue.add(['a.txt']);
// @ts-expect-error per-file options cannot replace the file
queue.add(file, { file });

const item = items[0]!;
assertType<Equal<typeof item.id, number>>(true);
assertType<Equal<typeof item.file, Blob>>(true);
assertType<Equal<typeof item.upload, Upload>>(true);
assertType<Equal<typeof item.state, QueueItemState>>(true);
assertType<Equal<QueueItemState, 'queued' | UploadState>>(true);
assertType<Equal<typeof item.progress, Progress>>(true);
assertType<Equal<typeof item.error, FerryError | null>>(true);
assertType<Equal<typeof item.result, UploadResult | null>>(true);
assertType<Equal<typeof item.done, Promise<UploadResult>>>(true);
item.pause();
item.resume();
void item.cancel({ terminate: true });
// @ts-expect-error read-only
item.state = 'queued';

assertType<Equal<typeof queue.items, readonly QueueItem[]>>(true);
assertType<Equal<typeof queue.progress, QueueProgress>>(true);
assertType<Equal<typeof queue.concurrency, number>>(true);
queue.pause();
queue.resume();
assertType<Equal<ReturnType<UploadQueue['cancel']>, Promise<void>>>(true);
assertType<Equal<ReturnType<UploadQueue['whenIdle']>, Promise<QueueProgress>>>(true);

queue.on('progress', (p) => {
  const n: number = p.bytesConfirmed + p.bytesTotal + p.percent;
  const f: number = p.files.total + p.files.queued + p.files.active + p.files.paused + p.files.completed + p.files.failed + p.files.cancelled;
  void n; void f;
});
queue.on('item-progress', ({ item: i, progress }) => {
  assertType<Equal<typeof i, QueueItem>>(true);
  assertType<Equal<typeof progress, Progress>>(true);
});
queue.on('state', ({ state }) => assertType<Equal<typeof state, QueueItemState>>(true));
queue.on('added', (added) => assertType<Equal<typeof added, QueueItem[]>>(true));
queue.on('completed', ({ result }) => assertType<Equal<typeof result, UploadResult>>(true));
queue.on('error', ({ error }) => assertType<Equal<typeof error, FerryError>>(true));
const off: () => void = queue.on('idle', (p) => assertType<Equal<typeof p, QueueProgress>>(true));
off();
// @ts-expect-error no such event
queue.on('finished', () => {});

// createUploadQueue(): many files, at most `concurrency` uploading at once, with per-file and
// total progress and pause/resume/cancel of one file or all. Each file is an ordinary
// createUpload() upload (same options, same retries and sessions); the queue only decides
// when each one starts and adds the numbers up. It keeps no state of its own across page
// loads (the uploads' session records do that) and never retries anything itself.

import { FerryError, toFerryError } from './errors.js';
import type { Progress, Upload, UploadOptions, UploadResult, UploadState } from './types.js';
import { createUpload } from './upload.js';

/** A queued file's state: `'queued'` until it gets a slot, then its upload's state. */
export type QueueItemState = 'queued' | UploadState;

/** Options of {@link createUploadQueue}: defaults for every file, plus the concurrency. */
export interface UploadQueueOptions extends Omit<UploadOptions, 'file' | 'fileHandle'> {
  /** How many files upload at the same time (at least 1). Default 3. */
  concurrency?: number;
}

/** Per-file options given to `add()`; they override the queue's defaults for those files. */
export type QueueItemOptions = Partial<Omit<UploadOptions, 'file' | 'fileHandle'>>;

/** One file in the queue. */
export interface QueueItem {
  /** Unique within the queue, in the order added. */
  readonly id: number;
  readonly file: Blob;
  readonly upload: Upload;
  readonly state: QueueItemState;
  /** Last server-confirmed progress (zero bytes until the first). */
  readonly progress: Progress;
  readonly error: FerryError | null;
  readonly result: UploadResult | null;
  /** Settles when the file is done: resolves with the result, or rejects (failed, cancelled). */
  readonly done: Promise<UploadResult>;
  /** Pauses this file (its slot goes to the next queued file). */
  pause(): void;
  /** Queues a paused or failed file again; it continues from the server's offset. */
  resume(): void;
  /** Removes this file from the queue's work; `terminate: true` also deletes it on the server. */
  cancel(options?: { terminate?: boolean }): Promise<void>;
}

/** Total progress over the files that are not cancelled. */
export interface QueueProgress {
  bytesConfirmed: number;
  bytesTotal: number;
  /** 0..100 */
  percent: number;
  files: { total: number; queued: number; active: number; paused: number; completed: number; failed: number; cancelled: number };
}

/** Event name to payload. */
export interface UploadQueueEvents {
  /** Files were added. */
  added: QueueItem[];
  /** One file's state changed. */
  state: { item: QueueItem; state: QueueItemState };
  /** One file's server-confirmed progress. */
  'item-progress': { item: QueueItem; progress: Progress };
  /** Total progress (after every item progress and state change). */
  progress: QueueProgress;
  /** One file completed. */
  completed: { item: QueueItem; result: UploadResult };
  /** One file failed (`item.resume()` tries it again). */
  error: { item: QueueItem; error: FerryError };
  /** Nothing is queued or uploading any more (some files may be paused or failed). */
  idle: QueueProgress;
}

export interface UploadQueue {
  /** Adds files (a File, Blob, array or FileList); they start as slots free up. */
  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>, options?: QueueItemOptions): QueueItem[];
  /** Every file ever added, in order (cancelled ones included). */
  readonly items: readonly QueueItem[];
  readonly concurrency: number;
  /** Total progress now. */
  readonly progress: QueueProgress;
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof UploadQueueEvents>(type: K, listener: (payload: UploadQueueEvents[K]) => void): () => void;
  /** Pauses every uploading file and starts no new one until `resume()`. */
  pause(): void;
  /** Queues every paused or failed file again and starts files up to the concurrency. */
  resume(): void;
  /** Cancels every file that is not completed. */
  cancel(options?: { terminate?: boolean }): Promise<void>;
  /** Resolves when nothing is queued or uploading (paused and failed files are left as they are). */
  whenIdle(): Promise<QueueProgress>;
}

const RUNNING: ReadonlySet<QueueItemState> = new Set(['creating', 'resuming', 'uploading', 'reconnecting', 'offline', 'locked']);

type Listener = (payload: never) => void;

class Item implements QueueItem {
  readonly id: number;
  readonly file: Blob;
  readonly upload: Upload;
  state: QueueItemState = 'queued';
  progress: Progress;
  error: FerryError | null = null;
  result: UploadResult | null = null;
  readonly done: Promise<UploadResult>;
  /** Holds a slot: started and neither paused nor finished. */
  active = false;
  /** start() was called at least once (so there may be an upload on the server). */
  started = false;
  cancelled = false;
  settle!: { resolve: (r: UploadResult) => void; reject: (e: FerryError) => void };
  readonly #queue: Queue;

  constructor(queue: Queue, id: number, file: Blob, upload: Upload) {
    this.#queue = queue;
    this.id = id;
    this.file = file;
    this.upload = upload;
    this.progress = { bytesConfirmed: 0, bytesTotal: file.size, percent: file.size === 0 ? 100 : 0, bytesPerSecond: 0, etaSeconds: null };
    this.done = new Promise<UploadResult>((resolve, reject) => { this.settle = { resolve, reject }; });
    this.done.catch(() => undefined); // observed through events; never an unhandled rejection
  }

  pause(): void { this.#queue.pauseItem(this); }
  resume(): void { this.#queue.resumeItem(this); }
  cancel(options?: { terminate?: boolean }): Promise<void> { return this.#queue.cancelItem(this, options); }
}

class Queue implements UploadQueue {
  readonly concurrency: number;
  readonly #defaults: Omit<UploadOptions, 'file' | 'fileHandle'>;
  readonly #items: Item[] = [];
  /** Waiting for a slot, in order; resumed files go first. */
  #waiting: Item[] = [];
  #paused = false;
  #nextId = 1;
  #listeners = new Map<keyof UploadQueueEvents, Set<Listener>>();
  #idleWaiters: Array<(p: QueueProgress) => void> = [];

  constructor(options: UploadQueueOptions) {
    const { concurrency = 3, ...defaults } = options ?? ({} as UploadQueueOptions);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new FerryError('usage', 'invalid_option', `option \`concurrency\` must be an integer of at least 1, got ${String(concurrency)}`);
    }
    this.concurrency = concurrency;
    this.#defaults = defaults;
  }

  get items(): readonly QueueItem[] { return this.#items; }

  get progress(): QueueProgress {
    const files = { total: 0, queued: 0, active: 0, paused: 0, completed: 0, failed: 0, cancelled: 0 };
    let bytesConfirmed = 0;
    let bytesTotal = 0;
    for (const item of this.#items) {
      files.total++;
      if (item.cancelled) { files.cancelled++; continue; }
      bytesConfirmed += item.progress.bytesConfirmed;
      bytesTotal += item.file.size;
      if (item.state === 'completed') files.completed++;
      else if (item.state === 'failed') files.failed++;
      else if (item.state === 'paused') files.paused++;
      else if (item.state === 'queued' && !item.active) files.queued++;
      else files.active++;
    }
    const percent = bytesTotal === 0 ? (files.total > files.cancelled ? 100 : 0) : (bytesConfirmed / bytesTotal) * 100;
    return { bytesConfirmed, bytesTotal, percent, files };
  }

  on<K extends keyof UploadQueueEvents>(type: K, listener: (payload: UploadQueueEvents[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  add(files: Blob | Iterable<Blob> | ArrayLike<Blob>, options: QueueItemOptions = {}): QueueItem[] {
    const list: Blob[] = typeof Blob !== 'undefined' && files instanceof Blob
      ? [files]
      : Array.from(files as Iterable<Blob> | ArrayLike<Blob>);
    const added: Item[] = [];
    for (const file of list) {
      // Validates like createUpload(): a bad option throws here, before anything is queued.
      const upload = createUpload({ ...this.#defaults, ...options, file });
      const item = new Item(this, this.#nextId++, file, upload);
      upload.on('state', (state) => {
        // A queued file's upload only changes state once started; 'paused' etc. are mirrored.
        if (item.cancelled && state !== 'aborted') return;
        this.#setState(item, state);
      });
      upload.on('progress', (progress) => {
        item.progress = progress;
        this.#emit('item-progress', { item, progress });
        this.#emit('progress', this.progress);
      });
      added.push(item);
    }
    this.#items.push(...added);
    this.#waiting.push(...added);
    if (added.length) this.#emit('added', added);
    this.#pump();
    return added;
  }

  pause(): void {
    this.#paused = true;
    for (const item of this.#items) if (item.active) this.pauseItem(item);
  }

  resume(): void {
    this.#paused = false;
    for (const item of this.#items) {
      if (!item.cancelled && (item.state === 'paused' || item.state === 'failed') && !this.#waiting.includes(item)) {
        this.#waiting.push(item);
        this.#setState(item, 'queued');
      }
    }
    this.#pump();
  }

  async cancel(options?: { terminate?: boolean }): Promise<void> {
    this.#waiting = [];
    await Promise.all(this.#items.filter((i) => i.state !== 'completed' && !i.cancelled).map((i) => this.cancelItem(i, options)));
  }

  whenIdle(): Promise<QueueProgress> {
    if (this.#isIdle()) return Promise.resolve(this.progress);
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  pauseItem(item: Item): void {
    if (item.cancelled || item.state === 'completed') return;
    const wasWaiting = this.#waiting.indexOf(item);
    if (wasWaiting >= 0) {
      this.#waiting.splice(wasWaiting, 1);
      this.#setState(item, 'paused');
    }
    if (item.active) {
      item.active = false;
      item.upload.pause();
      // Its slot is free now, so it shows 'paused' now: the upload's own 'paused' follows once
      // its request is cancelled, and until then the next file must not look like a second
      // upload running beside it.
      this.#setState(item, 'paused');
      this.#pump();
    }
  }

  resumeItem(item: Item): void {
    if (item.cancelled || item.state === 'completed' || item.active || this.#waiting.includes(item)) return;
    this.#waiting.unshift(item);
    this.#setState(item, 'queued');
    this.#pump();
  }

  async cancelItem(item: Item, options?: { terminate?: boolean }): Promise<void> {
    if (item.cancelled || item.state === 'completed') return;
    item.cancelled = true;
    this.#waiting = this.#waiting.filter((i) => i !== item);
    const wasActive = item.active;
    item.active = false;
    if (item.started) await item.upload.abort(options);
    item.error = new FerryError('aborted', 'aborted', 'the upload was cancelled');
    item.settle.reject(item.error);
    this.#setState(item, 'aborted');
    if (wasActive) this.#pump();
    else this.#checkIdle();
  }

  #start(item: Item): void {
    item.active = true;
    item.started = true;
    item.error = null;
    item.upload.start().then(
      (result) => {
        item.active = false;
        item.result = result;
        item.progress = { ...item.progress, bytesConfirmed: result.bytesTotal, bytesTotal: result.bytesTotal, percent: 100, etaSeconds: 0 };
        this.#setState(item, 'completed');
        this.#emit('completed', { item, result });
        item.settle.resolve(result);
        this.#pump();
      },
      (err: unknown) => {
        const error = toFerryError(err);
        item.active = false;
        if (item.cancelled) return; // cancelItem settles it
        item.error = error;
        this.#setState(item, 'failed');
        this.#emit('error', { item, error });
        this.#pump();
      },
    );
  }

  #pump(): void {
    if (!this.#paused) {
      let running = this.#items.filter((i) => i.active).length;
      while (running < this.concurrency && this.#waiting.length) {
        const next = this.#waiting.shift()!;
        if (next.cancelled) continue;
        running++;
        this.#start(next);
      }
    }
    this.#checkIdle();
  }

  #isIdle(): boolean {
    return this.#waiting.length === 0 && !this.#items.some((i) => i.active);
  }

  #checkIdle(): void {
    if (!this.#isIdle() || (this.#idleWaiters.length === 0 && !this.#listeners.get('idle')?.size)) return;
    const progress = this.progress;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve(progress);
    this.#emit('idle', progress);
  }

  #setState(item: Item, state: QueueItemState): void {
    // After a pause, a file waiting for its slot again shows 'queued', not its upload's 'paused'.
    if (state === item.state) return;
    if (state === 'paused' && this.#waiting.includes(item)) return;
    if (item.state === 'completed' || (item.state === 'aborted' && item.cancelled)) return;
    item.state = state;
    this.#emit('state', { item, state });
    this.#emit('progress', this.progress);
  }

  #emit<K extends keyof UploadQueueEvents>(type: K, payload: UploadQueueEvents[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as (p: UploadQueueEvents[K]) => void)(payload);
      } catch (err) {
        queueMicrotask(() => { throw err; });
      }
    }
  }
}

/**
 * Uploads many files, at most `concurrency` at a time. Every other option is a default for
 * each file's `createUpload()`.
 *
 * ```ts
 * const queue = createUploadQueue({ endpoint: '/files/', concurrency: 3 });
 * queue.on('progress', ({ percent }) => total.value = percent);
 * queue.on('item-progress', ({ item, progress }) => rows[item.id].value = progress.percent);
 * queue.add(input.files);
 * ```
 */
export function createUploadQueue(options: UploadQueueOptions): UploadQueue {
  return new Queue(options);
}

// Public types of the ferry API. Types only: no runtime code lives here.

import type { FerryError } from './errors.js';

/** What an upload is doing, for the app to show. */
export type UploadState =
  | 'idle'       // created, not started
  | 'creating'   // POST: creating the upload on the server
  | 'resuming'   // HEAD: learning how many bytes the server has
  | 'uploading'  // PATCH: sending bytes (a recording: also waiting for its next piece)
  | 'buffering'  // a recording is kept locally until it ends, then uploaded (the server cannot defer its length)
  | 'reconnecting' // a request failed in a way that may pass; trying again soon (see the `reconnecting` event)
  | 'offline'    // the browser is offline; continues within a second of coming back online
  | 'locked'     // another tab or worker is uploading this file; waiting for it (see `onLocked`)
  | 'paused'     // paused by the app; `start()` continues
  | 'completed'  // every byte confirmed by the server
  | 'failed'     // stopped by an error; `start()` tries again from the server's offset
  | 'aborted';   // ended by the app

/** Passed to a `headers` function before every request. */
export interface HeaderContext {
  method: 'POST' | 'PATCH' | 'HEAD' | 'DELETE' | 'OPTIONS';
  url: string;
  /**
   * `true` when the server refused the previous attempt of this request (401/403): return
   * fresh credentials. The request is retried once with them; a second refusal fails with
   * code `unauthorized`.
   */
  refused: boolean;
}

/** How patiently failed requests are retried. All values in milliseconds. */
export interface RetryOptions {
  /** Ceiling of the first delay; doubles with each attempt (full jitter). Default 500. */
  baseDelay?: number;
  /** Largest delay between two attempts. Default 30 000. */
  maxDelay?: number;
  /**
   * Longest time to keep retrying since the server last confirmed new bytes, before the
   * upload fails with code `retries_exhausted` (it stays resumable with `start()`).
   * Default 600 000 (10 minutes); `Infinity` never gives up. Time offline does not count.
   */
  budget?: number;
}

/**
 * Extra request headers (typically `Authorization`). A function is called before every
 * request, so a short-lived token can be refreshed during a long upload. Headers are never
 * stored anywhere by ferry.
 */
export type HeadersOption =
  | Record<string, string>
  | ((context: HeaderContext) => Record<string, string> | Promise<Record<string, string>>);

export interface UploadOptions {
  /** The TUS creation endpoint, absolute or relative to the page (e.g. `/files/`). */
  endpoint: string | URL;
  /** What to upload. Read chunk by chunk with `Blob.slice`; never loaded whole. */
  file: Blob;
  /** Only for recordings (see {@link RecordingUploadOptions}): `file` and `source` are exclusive. */
  source?: never;
  /**
   * Bytes per PATCH request, or `'auto'` (the default): start at 1 MiB and size each PATCH
   * to take about 3 s at the measured throughput, within `minChunkSize`..`maxChunkSize`.
   * A number fixes the size (minimum 1 KiB).
   */
  chunkSize?: number | 'auto';
  /** Smallest automatic chunk. Default 256 KiB (set 5 MiB if your server needs S3-sized parts). */
  minChunkSize?: number;
  /** Largest automatic chunk. Default 256 MiB (reached only above about 85 MB/s). */
  maxChunkSize?: number;
  /** Extra `Upload-Metadata` pairs. `filename` and `filetype` are sent automatically. */
  metadata?: Record<string, string>;
  /** Request headers, or a function returning them (see {@link HeadersOption}). */
  headers?: HeadersOption;
  /** Continue this existing upload instead of creating a new one. */
  uploadUrl?: string;
  /** Minimum milliseconds between two progress events. Default 100 (10 per second). */
  progressInterval?: number;
  /** Retry timing (see {@link RetryOptions}). */
  retry?: RetryOptions;
  /**
   * Shortest time a request may go unanswered before it is abandoned and retried, in ms.
   * The actual deadline is 4 times the time the chunk should take at the measured
   * throughput, and never below this. Default: 30 000 until the throughput is measured
   * (the first requests), then 10 000, so a dead connection is found within about 10 s.
   * After a sleep or freeze, up to six HEADs that re-learn the offset get 0.15-0.5 s each
   * (from the round trip measured before), whatever this says.
   */
  stallTimeout?: number;
  /**
   * Origins besides the endpoint's that ferry may send requests to, e.g.
   * `['https://storage.example.com']` when the server answers creation with a `Location` on
   * another host. Anywhere else fails with code `origin_not_allowed` and nothing (no bytes,
   * no headers) is sent there. The origin of an `uploadUrl` you pass is allowed by that act.
   * Default: none.
   */
  allowedOrigins?: string[];
  /**
   * Send an `Idempotency-Key` header on creation, so that a creation whose outcome is
   * unknown (network error, 5xx) can be sent again safely. `true` generates a key, a string
   * is used as is, `false` never sends one. Default: `true` when the endpoint has the page's
   * origin (no CORS preflight involved), otherwise `false` (the server's CORS must allow
   * the header first). Without a key, such a creation fails rather than risk a second upload.
   */
  idempotencyKey?: boolean | string;
  /**
   * Keep a session record in IndexedDB so that the upload continues after a reload, a tab
   * close or a browser restart: `start()` on the same file finds it, asks the server where
   * it stands and continues from there. Default `true`; `false` neither looks nor stores.
   */
  resume?: boolean;
  /**
   * The key that identifies this file's session. Default: computed from the file's name,
   * size, type, lastModified and a SHA-256 of its first and last 64 KiB.
   */
  fingerprint?: string;
  /**
   * Send `Upload-Checksum` (sha256, or sha1 if that is all the server offers) with every
   * PATCH, so the server rejects a chunk damaged on the way (and ferry sends it again). Costs
   * one OPTIONS request and reading each chunk once more, 1 MiB at a time. Default `false`.
   */
  checksum?: boolean;
  /**
   * Upload over this many connections at once (1 to 16; default 1). The file is split into
   * that many partial uploads (tus concatenation extension, learnt with one OPTIONS request)
   * that are joined at the end; progress sums them and every part is stored in the session,
   * so a parallel upload resumes like any other. Parts are at least 5 MiB, so a smaller file
   * uses fewer connections (one below 10 MiB). Servers without concatenation get one stream
   * and a `parallel_unsupported` warning.
   */
  parallelUploads?: number;
  /** Keep the session record after the upload completes. Default `false`. */
  keepSession?: boolean;
  /**
   * What to do when another tab or worker is uploading the same file: `'wait'` (state
   * `locked` until it is free, the default) or `'fail'` (reject with kind `locked`).
   */
  onLocked?: 'wait' | 'fail';
  /**
   * The `FileSystemFileHandle` the file came from (`showOpenFilePicker()`, or a drop's
   * `getAsFileSystemHandle()`). It is stored with the session, so that after a browser
   * restart `resumeAll()` can reopen the file without asking the user to pick it again.
   */
  fileHandle?: FileSystemFileHandleLike;
}

/** The part of `MediaRecorder` ferry uses (the DOM type, where available). */
export interface RecorderLike {
  readonly state: 'inactive' | 'recording' | 'paused';
  readonly mimeType: string;
  addEventListener(type: 'dataavailable' | 'stop' | 'error', listener: (event: Event) => void): void;
  removeEventListener(type: 'dataavailable' | 'stop' | 'error', listener: (event: Event) => void): void;
}

/**
 * What a recording comes from: a `MediaRecorder` (created, not yet started), a
 * `ReadableStream` of `Uint8Array` or `Blob` pieces, or `'push'`: the app hands over each
 * piece with `append()` and says `end()`.
 */
export type RecordingSource = RecorderLike | ReadableStream<Uint8Array | Blob> | 'push';

/**
 * Options of an upload made while recording (`createUpload` of `ferry-upload/recording`;
 * `ferry-upload`'s own refuses `source`). Its length is not known at creation: the
 * server must offer `creation-defer-length` (else the recording is buffered until it ends and
 * uploaded as a file, with a `deferred_length_unsupported` warning). One connection always.
 */
export interface RecordingUploadOptions extends Omit<UploadOptions, 'file' | 'source' | 'fileHandle' | 'parallelUploads' | 'uploadUrl'> {
  /** What is being recorded. */
  source: RecordingSource;
  /** Only for files: `file` and `source` are exclusive. */
  file?: never;
  /** Sent as `filetype` (default: the recorder's `mimeType`). */
  type?: string;
  /**
   * The recording's id, which keys its session and its local buffer. Default: a random one.
   */
  fingerprint?: string;
  /**
   * Where pieces wait until the server confirms them. `'auto'` (the default): the
   * origin-private file system, else IndexedDB, else memory with a `storage_unavailable`
   * warning. `'indexeddb'` skips the file system. `'memory'` writes nothing to disk (for
   * recordings that must not be stored): no warning, but a closed tab loses what the server
   * has not confirmed, and the recording cannot be continued on the next page.
   */
  buffer?: RecordingBufferKind;
}

/** Where a recording's pieces are buffered: see {@link RecordingUploadOptions.buffer}. */
export type RecordingBufferKind = 'auto' | 'indexeddb' | 'memory';

/** Server-confirmed progress of a recording: its total is `null` until it ended. */
export interface RecordingProgress extends Omit<Progress, 'bytesTotal' | 'percent'> {
  bytesTotal: number | null;
  /** 0..100 once the length is known, else `null`. */
  percent: number | null;
}

/** A recording's events: a file upload's, with {@link RecordingProgress}. */
export interface RecordingEvents extends Omit<UploadEvents, 'progress'> {
  progress: RecordingProgress;
}

/** An upload made while recording (`createUpload({ source })` of `ferry-upload/recording`). */
export interface RecordingUpload extends Omit<Upload, 'on' | 'bytesTotal'> {
  on<K extends keyof RecordingEvents>(type: K, listener: (payload: RecordingEvents[K]) => void): () => void;
  /** The recording's length once it ended, else `null`. */
  readonly bytesTotal: number | null;
  /** Bytes recorded and safely buffered so far. */
  readonly bytesRecorded: number;
}

/** A recording whose pieces the app hands over (`source: 'push'`). */
export interface PushUpload extends RecordingUpload {
  /** Buffers the next piece; resolves once it is stored (durably where the browser allows). */
  append(data: Blob | ArrayBufferView | ArrayBuffer): Promise<void>;
  /** The recording ended: resolves once every piece appended is stored. */
  end(): Promise<void>;
}

/** The part of `FileSystemFileHandle` ferry uses (the DOM type, where available). */
export interface FileSystemFileHandleLike {
  getFile(): Promise<File>;
  queryPermission?(descriptor?: { mode?: 'read' | 'readwrite' }): Promise<'granted' | 'denied' | 'prompt'>;
  requestPermission?(descriptor?: { mode?: 'read' | 'readwrite' }): Promise<'granted' | 'denied' | 'prompt'>;
}

/** A stored session, as listed by `listResumableUploads()`. Holds no headers or tokens. */
export interface ResumableUpload {
  /** The session key (pass it to `forgetUpload`). A session belongs to its endpoint. */
  key: string;
  /** `'recording'`: an upload made while recording, continued from its local buffer. */
  kind: 'file' | 'recording';
  /** For a recording: the bytes its local buffer holds (what `resumeAll()` finishes with). */
  bytesBuffered?: number;
  /** The file's key within it: the computed identity, or the `fingerprint` the app gave. */
  fingerprint: string;
  /** `''` for a recording whose tab closed before its upload was created (`resumeAll()` creates it). */
  uploadUrl: string;
  endpoint: string;
  /** File name, size, type and lastModified, to ask the user for the same file. */
  name: string;
  size: number;
  type: string;
  lastModified: number;
  metadata: Record<string, string>;
  /** Bytes the server had confirmed when the record was last written. */
  bytesConfirmed: number;
  chunkSize: number;
  /** `Date.now()` values. */
  createdAt: number;
  updatedAt: number;
  /** When the server said it would drop the upload (`Upload-Expires`), if it did. */
  expiresAt: number | null;
  /** The file's handle, when the app passed `fileHandle` (see `resumeAll`). */
  fileHandle?: FileSystemFileHandleLike;
}

/** What `resumeAll()` did. */
export interface ResumeAllResult {
  /** Uploads started again from their stored file handles. */
  resumed: Upload[];
  /** Recordings being finished from their local buffers (`kind: 'recording'` sessions). */
  recordings: RecordingUpload[];
  /** Sessions whose file must be picked again (no handle, permission refused, file gone). */
  needsFile: ResumableUpload[];
}

/** Payload of the `warning` event: something degraded, the upload goes on. */
export interface Warning {
  /**
   * `requests_blocked` (requests fail at once while online, often CORS), `parallel_unsupported`,
   * `checksum_unsupported`, `storage_unavailable` (sessions or a recording kept in memory
   * only), `identity_unavailable`, `file_handle_unstorable`, and for recordings
   * `deferred_length_unsupported` and `source_failed` (the recorder or stream failed).
   */
  code: string;
  message: string;
}

/** Payload of the `reconnecting` event. */
export interface Reconnecting {
  /** Attempt number since the server last confirmed new bytes (1 for the first retry). */
  attempt: number;
  /** Milliseconds until the next try. */
  retryIn: number;
  /** `Date.now()` value of the next try, for a countdown. */
  retryAt: number;
  /** What went wrong. */
  reason: FerryError;
}

/** Server-confirmed progress. Never decreases (except after a `restarted` event). */
export interface Progress {
  bytesConfirmed: number;
  bytesTotal: number;
  /** 0..100 */
  percent: number;
  /** Smoothed rate of confirmed bytes (0 until measured). Time paused does not count. */
  bytesPerSecond: number;
  /** Seconds left at that rate, or `null` while unknown. */
  etaSeconds: number | null;
}

export interface UploadResult {
  /** The upload's URL on the TUS server. */
  uploadUrl: string;
  /** Its length (a recording's, once it ended). */
  bytesTotal: number;
}

/** Event name to payload. */
export interface UploadEvents {
  progress: Progress;
  state: UploadState;
  /** A request failed and will be tried again in `retryIn` ms (state `reconnecting`). */
  reconnecting: Reconnecting;
  /** Something degraded (e.g. IndexedDB unusable); the upload goes on. */
  warning: Warning;
  /** The server created the upload. */
  created: { url: string };
  /** The server lost a known upload; a new one is being created from byte 0. */
  restarted: { reason: FerryError };
  /** The upload failed (also the rejection of `start()`). */
  error: FerryError;
}

export interface Upload {
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<K extends keyof UploadEvents>(type: K, listener: (payload: UploadEvents[K]) => void): () => void;
  /**
   * Starts, or continues after `pause()` or a failure. Resolves when every byte is confirmed;
   * rejects with a {@link FerryError}. While running, calling it again returns the same promise.
   */
  start(): Promise<UploadResult>;
  /** Same as `start()`: continues a paused or failed upload; during a retry wait, tries at once. */
  resume(): Promise<UploadResult>;
  /** Stops sending at once; the upload stays resumable with `start()`. */
  pause(): void;
  /**
   * Ends the upload; with `terminate: true` also deletes it on the server (a DELETE refused
   * for now, 423, 429 or 5xx, or unanswered, is sent again at most 3 times). Resolves when
   * the abort has ended.
   */
  abort(options?: { terminate?: boolean }): Promise<void>;
  /** The upload URL once the server created it (or `uploadUrl` if given). */
  readonly url: string | null;
  readonly state: UploadState;
  /** Server-confirmed bytes, as last reported by a `progress` event. */
  readonly bytesConfirmed: number;
  readonly bytesTotal: number;
}

// Public types of the ferry API. Types only: no runtime code lives here.

import type { FerryError } from './errors.js';

/** What an upload is doing, for the app to show. */
export type UploadState =
  | 'idle'       // created, not started
  | 'creating'   // POST: creating the upload on the server
  | 'resuming'   // HEAD: learning how many bytes the server has
  | 'uploading'  // PATCH: sending bytes
  | 'paused'     // paused by the app; `start()` continues
  | 'completed'  // every byte confirmed by the server
  | 'failed'     // stopped by an error; `start()` tries again from the server's offset
  | 'aborted';   // ended by the app

/** Passed to a `headers` function before every request. */
export interface HeaderContext {
  method: 'POST' | 'PATCH' | 'HEAD' | 'DELETE';
  url: string;
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
  /** Bytes per PATCH request. Default 8 MiB, minimum 1 KiB. */
  chunkSize?: number;
  /** Extra `Upload-Metadata` pairs. `filename` and `filetype` are sent automatically. */
  metadata?: Record<string, string>;
  /** Request headers, or a function returning them (see {@link HeadersOption}). */
  headers?: HeadersOption;
  /** Continue this existing upload instead of creating a new one. */
  uploadUrl?: string;
  /** Minimum milliseconds between two progress events. Default 100 (10 per second). */
  progressInterval?: number;
}

/** Server-confirmed progress. Never decreases (except after a `restarted` event). */
export interface Progress {
  bytesConfirmed: number;
  bytesTotal: number;
  /** 0..100 */
  percent: number;
}

export interface UploadResult {
  /** The upload's URL on the TUS server. */
  uploadUrl: string;
  bytesTotal: number;
}

/** Event name to payload. */
export interface UploadEvents {
  progress: Progress;
  state: UploadState;
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
  /** Stops sending at once; the upload stays resumable with `start()`. */
  pause(): void;
  /** Ends the upload; with `terminate: true` also deletes it on the server. */
  abort(options?: { terminate?: boolean }): Promise<void>;
  /** The upload URL once the server created it (or `uploadUrl` if given). */
  readonly url: string | null;
  readonly state: UploadState;
  /** Server-confirmed bytes, as last reported by a `progress` event. */
  readonly bytesConfirmed: number;
  readonly bytesTotal: number;
}

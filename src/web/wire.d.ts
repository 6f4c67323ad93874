// The boundary between the wasm engine and the TypeScript layer, as types. wasm-bindgen
// pastes this text into the generated ferry_upload.d.ts (wire.rs), so that `tsc` checks
// js/src against what wire.rs serialises. tests/browser/wire.rs checks the JSON shapes;
// tests/codes.rs checks `ErrorCode` against the core's `Code::ALL`.

/** Every error and warning code the engine reports, in `Code::ALL`'s order. */
export type ErrorCode =
  | 'invalid_option'
  | 'invalid_endpoint'
  | 'invalid_upload_url'
  | 'invalid_chunk_size'
  | 'invalid_metadata_key'
  | 'invalid_retry'
  | 'invalid_stall_timeout'
  | 'unknown_size'
  | 'internal'
  | 'headers_failed'
  | 'missing_location'
  | 'missing_upload_offset'
  | 'invalid_location'
  | 'invalid_upload_offset'
  | 'offset_out_of_range'
  | 'upload_length_mismatch'
  | 'no_progress'
  | 'http_status'
  | 'unauthorized'
  | 'too_large'
  | 'network_error'
  | 'origin_not_allowed'
  | 'redirected'
  | 'restarts_exhausted'
  | 'stalled'
  | 'retries_exhausted'
  | 'upload_gone'
  | 'aborted'
  | 'locked'
  | 'requests_blocked'
  | 'parallel_unsupported'
  | 'checksum_unsupported'
  | 'deferred_length_unsupported'
  | 'source_failed'
  | 'file_unreadable'
  | 'storage_unavailable'
  | 'identity_unavailable'
  | 'file_handle_unstorable';

/** Who or what caused a failure (`ErrorKind::as_str`). */
export type EngineErrorKind = 'usage' | 'protocol' | 'rejected' | 'network' | 'storage' | 'aborted' | 'expired' | 'locked';

/** What the engine throws, rejects with and reports: `{ kind, code, status?, message }`. */
export interface EngineError {
  kind: EngineErrorKind;
  code: ErrorCode;
  status?: number;
  message: string;
}

/** The machine's state (`State::as_str`). */
export type EngineState =
  | 'idle' | 'creating' | 'resuming' | 'uploading' | 'buffering' | 'reconnecting' | 'offline' | 'locked'
  | 'paused' | 'completed' | 'failed' | 'aborted';

/** Every event the engine reports, told apart by `type`. */
export type EngineEvent =
  | { type: 'state'; state: EngineState }
  | { type: 'progress'; bytesConfirmed: number; bytesTotal: number | null; bytesPerSecond: number; etaSeconds: number | null }
  | { type: 'created'; url: string }
  | { type: 'reconnecting'; attempt: number; retryIn: number; reason: EngineError }
  | { type: 'restarted'; reason: EngineError }
  | { type: 'completed'; url: string; bytesTotal: number }
  | { type: 'warning'; code: ErrorCode; message: string }
  | { type: 'failed'; error: EngineError };

/** The options the engine reads: the app's, with what the TypeScript layer resolved. */
export type EngineOptions = Omit<import('../types.js').UploadOptions, 'endpoint' | 'file' | 'source' | 'uploadUrl' | 'headers' | 'idempotencyKey'> & {
  /** Absolute. */
  endpoint: string;
  /** The file, or else a recording's buffer. */
  file?: Blob;
  recording?: EngineRecording;
  /** Absolute. */
  uploadUrl?: string;
  headers?: (context: import('../types.js').HeaderContext) => Record<string, string> | Promise<Record<string, string>>;
  /** The key itself; none is sent without one. */
  idempotencyKey?: string;
};

/**
 * A recording's buffer, read by the engine: bytes `start..end` as one Blob, what it may let go,
 * and where it begins (it holds nothing before that offset: an earlier page or run let it go).
 */
export interface EngineRecording {
  name: string;
  type: string;
  body(start: number, end: number): Blob | Promise<Blob>;
  release(offset: number): void;
  heldFrom(): number;
}

/** What a finished run resolves with. */
export interface EngineResult {
  uploadUrl: string;
  bytesTotal: number;
}

/** A stored session record (`v` is its schema version), with its file handle if it has one. */
export interface StoredSession {
  v: number;
  key: string;
  uploadUrl: string;
  endpoint: string;
  size: number;
  name: string;
  type: string;
  lastModified: number;
  metadata: Record<string, string>;
  bytesConfirmed: number;
  chunkSize: number;
  createdAt: number;
  updatedAt: number;
  expiresAt: number | null;
  parts?: { url: string; start: number; end: number; confirmed: number }[];
  /** A recording's session (its bytes are in the local buffer). */
  recording?: boolean;
  fileHandle?: import('../types.js').FileSystemFileHandleLike;
}

/** A stored session as `listSessions()` lists it: with the file's key within its session key. */
export interface ListedSession extends StoredSession {
  fingerprint: string;
}

// FerryError: the one place where ferry's typed errors become JavaScript Error objects.
// The wasm core reports plain `{ kind, code, status?, message }` objects; this module wraps
// them. It does not decide anything about the errors themselves.

/** Who or what caused a failure. */
export type ErrorKind =
  | 'usage'     // invalid options from the app
  | 'protocol'  // the server broke the TUS protocol (or CORS hides a header)
  | 'rejected'  // the server refused a request with an HTTP status
  | 'network'   // no HTTP answer at all
  | 'storage'   // local persistence failed
  | 'aborted'   // the app aborted the upload
  | 'expired'   // the server no longer knows the upload
  | 'locked';   // another tab owns this upload

/** Every error ferry rejects with or emits. Switch on `code`, not on `message`. */
export class FerryError extends Error {
  override name = 'FerryError';
  /** Who or what caused it. */
  readonly kind: ErrorKind;
  /** Stable machine-readable code, e.g. `missing_location`. */
  readonly code: string;
  /** HTTP status, when the server answered with one. */
  readonly status?: number;

  constructor(kind: ErrorKind, code: string, message: string, status?: number) {
    super(message);
    this.kind = kind;
    this.code = code;
    if (status !== undefined) this.status = status;
  }
}

/** Wraps whatever the engine threw or rejected with. */
export function toFerryError(value: unknown): FerryError {
  if (value instanceof FerryError) return value;
  if (value && typeof value === 'object' && 'kind' in value && 'code' in value) {
    const v = value as { kind: ErrorKind; code: string; message?: string; status?: number };
    return new FerryError(v.kind, v.code, v.message ?? v.code, v.status);
  }
  const message = value instanceof Error ? value.message : String(value);
  return new FerryError('usage', 'internal', message);
}

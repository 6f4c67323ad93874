// ferry-upload/react: React hooks over the plain API. `useUpload()` drives one upload and
// mirrors its state, progress, error and result into React state; `useResumableUploads()`
// lists the stored sessions. Safe under StrictMode (a start() repeated by a re-run effect
// continues the same upload, never creates a second one) and on unmount (the upload is
// paused, not aborted, so it stays resumable). Importing it has no side effects and renders
// nothing on the server: the engine loads on the first start() or listing, in the browser.
//
// It does not retry, queue or persist anything itself: that is the core's job (and the
// queue's, see createUploadQueue). React is an optional peer dependency (>= 18).

import { useCallback, useEffect, useRef, useState } from 'react';
import { FerryError, toFerryError } from './errors.js';
import type { Progress, ResumableUpload, Upload, UploadOptions, UploadResult, UploadState } from './types.js';
import { createUpload } from './upload.js';
import { forgetUpload, listResumableUploads } from './sessions.js';

/**
 * Options of {@link useUpload}: those of `createUpload`, with the file optional (and no
 * `fileHandle`, which belongs to one file: use `createUpload` directly for that).
 */
export interface UseUploadOptions extends Omit<UploadOptions, 'file' | 'fileHandle'> {
  /** The file to upload when `start()` is called without one. */
  file?: Blob | null;
}

/** What {@link useUpload} returns. Functions keep their identity across renders. */
export interface UseUploadResult {
  /**
   * Uploads `file` (or `options.file`). While that file's upload runs or is paused, calling
   * it again continues the same upload and returns the same promise, so an effect that runs
   * twice (StrictMode) starts one upload. A different file replaces the current one (which
   * is paused and stays resumable). Rejects with a {@link FerryError}, which is also in
   * `error`; an unawaited call never reports an unhandled rejection.
   */
  start(file?: Blob | null): Promise<UploadResult>;
  /** Stops sending at once; `resume()` or `start()` continues. */
  pause(): void;
  /** Continues a paused or failed upload (rejects with `invalid_option` if there is none). */
  resume(): Promise<UploadResult>;
  /** Ends the current upload; `terminate: true` also deletes it on the server. */
  abort(options?: { terminate?: boolean }): Promise<void>;
  /** `'idle'` until started, then the upload's state. */
  readonly state: UploadState;
  /** The last server-confirmed progress, or `null` before any. */
  readonly progress: Progress | null;
  /** Why the upload failed (cleared when it starts again), or `null`. */
  readonly error: FerryError | null;
  /** Set once every byte is confirmed, or `null`. */
  readonly result: UploadResult | null;
  /** The underlying upload object, for its other events (e.g. `reconnecting`), or `null`. */
  readonly upload: Upload | null;
}

interface Snapshot {
  state: UploadState;
  progress: Progress | null;
  error: FerryError | null;
  result: UploadResult | null;
  upload: Upload | null;
}

const INITIAL: Snapshot = { state: 'idle', progress: null, error: null, result: null, upload: null };

// Unfinished uploads by file, shared by every hook on the page: a component that unmounts
// and mounts again (a route change, a remount by key) continues the paused upload of that
// file instead of creating a second one, which would wait for the first one's Web Lock.
const live = new WeakMap<Blob, Upload>();

// Told when a session may have been stored or removed, so that useResumableUploads() lists anew.
const sessionListeners = new Set<() => void>();
function sessionsChanged(): void {
  for (const listener of sessionListeners) listener();
}

function progressOf(upload: Upload): Progress | null {
  if (upload.bytesConfirmed === 0) return null;
  const { bytesConfirmed, bytesTotal } = upload;
  const percent = bytesTotal === 0 ? 100 : (bytesConfirmed / bytesTotal) * 100;
  return { bytesConfirmed, bytesTotal, percent, bytesPerSecond: 0, etaSeconds: null };
}

function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * Drives one resumable upload from a component.
 *
 * ```tsx
 * const { start, pause, resume, state, progress, error } = useUpload({ endpoint: '/files/' });
 * <input type="file" onChange={(e) => e.target.files?.[0] && start(e.target.files[0])} />
 * ```
 *
 * The options are read when an upload is created (at `start()` with a new file); a
 * `headers` function is always the one from the latest render.
 */
export function useUpload(options: UseUploadOptions): UseUploadResult {
  const latest = useRef(options);
  latest.current = options;
  const [snapshot, setSnapshot] = useState<Snapshot>(INITIAL);
  const current = useRef<{ file: Blob; upload: Upload; off: () => void } | null>(null);
  const pendingCleanup = useRef<ReturnType<typeof setTimeout> | null>(null);

  const detach = useCallback(() => {
    current.current?.off();
    current.current = null;
  }, []);

  // Unmount pauses the upload and stops listening. StrictMode unmounts and mounts again at
  // once: the cleanup is deferred so that the second mount cancels it and nothing pauses.
  useEffect(() => {
    if (pendingCleanup.current !== null) {
      clearTimeout(pendingCleanup.current);
      pendingCleanup.current = null;
    }
    return () => {
      pendingCleanup.current = setTimeout(() => {
        pendingCleanup.current = null;
        current.current?.upload.pause();
        detach();
      }, 0);
    };
  }, [detach]);

  const attach = useCallback((file: Blob): Upload => {
    if (current.current?.file === file) return current.current.upload;
    if (current.current) {
      current.current.upload.pause();
      detach();
    }
    let upload = live.get(file);
    if (!upload) {
      const { file: _file, fileHandle: _handle, headers, ...rest } = latest.current as UseUploadOptions & { fileHandle?: unknown };
      upload = createUpload({
        ...rest,
        file,
        // The latest render's headers, so that a token held in state is always current.
        headers: headers === undefined ? undefined : (context) => {
          const h = latest.current.headers ?? headers;
          return typeof h === 'function' ? h(context) : h;
        },
      });
      live.set(file, upload);
    }
    const u = upload;
    const offs = [
      u.on('state', (state) => setSnapshot((s) => ({ ...s, state, error: state === 'failed' ? s.error : null }))),
      u.on('progress', (progress) => setSnapshot((s) => ({ ...s, progress }))),
      u.on('error', (error) => setSnapshot((s) => ({ ...s, error: error.kind === 'aborted' ? null : error }))),
      u.on('restarted', () => setSnapshot((s) => ({ ...s, progress: null }))),
      u.on('created', () => sessionsChanged()),
    ];
    current.current = { file, upload: u, off: () => offs.forEach((off) => off()) };
    setSnapshot({ state: u.state, progress: progressOf(u), error: null, result: null, upload: u });
    return u;
  }, [detach]);

  const run = useCallback((file: Blob, upload: Upload): Promise<UploadResult> => {
    const finished = () => {
      if (live.get(file) === upload) live.delete(file);
      sessionsChanged();
    };
    const promise = upload.start().then(
      (result) => {
        finished();
        if (current.current?.upload === upload) setSnapshot((s) => ({ ...s, state: 'completed', result, error: null }));
        return result;
      },
      (err: unknown) => {
        const error = toFerryError(err);
        if (error.kind === 'aborted') finished();
        if (current.current?.upload === upload) {
          setSnapshot((s) => ({ ...s, state: upload.state, error: error.kind === 'aborted' ? null : error }));
        }
        throw error;
      },
    );
    return quiet(promise);
  }, []);

  const start = useCallback((file?: Blob | null): Promise<UploadResult> => {
    const f = file ?? latest.current.file ?? current.current?.file;
    if (!f) {
      const error = new FerryError('usage', 'invalid_option', 'useUpload: start() needs a file (or options.file)');
      setSnapshot((s) => ({ ...s, error }));
      return quiet(Promise.reject(error));
    }
    let upload: Upload;
    try {
      upload = attach(f);
    } catch (err) {
      const error = toFerryError(err);
      setSnapshot((s) => ({ ...INITIAL, state: s.state, error }));
      return quiet(Promise.reject(error));
    }
    return run(f, upload);
  }, [attach, run]);

  const resume = useCallback((): Promise<UploadResult> => {
    const entry = current.current;
    if (!entry) return quiet(Promise.reject(new FerryError('usage', 'invalid_option', 'useUpload: nothing to resume; call start(file)')));
    return run(entry.file, entry.upload);
  }, [run]);

  const pause = useCallback(() => current.current?.upload.pause(), []);

  const abort = useCallback(async (opts?: { terminate?: boolean }): Promise<void> => {
    const entry = current.current;
    if (!entry) return;
    live.delete(entry.file);
    await entry.upload.abort(opts);
    sessionsChanged();
  }, []);

  return { ...snapshot, start, pause, resume, abort };
}

/** What {@link useResumableUploads} returns. */
export interface UseResumableUploadsResult {
  /** Stored sessions, oldest first (empty until the first listing finishes). */
  readonly uploads: ResumableUpload[];
  /** `true` while a listing runs. */
  readonly loading: boolean;
  /** Why the last listing failed, or `null`. */
  readonly error: FerryError | null;
  /** Lists again. */
  refresh(): Promise<void>;
  /** Forgets one stored session (the server's upload is left alone), then lists again. */
  forget(key: string): Promise<void>;
}

/**
 * The uploads this origin can continue, for a "continue your uploads" list. Lists on mount,
 * whenever a `useUpload` on the page creates, completes or aborts an upload, and on `refresh()`.
 * Pick the same file again with `useUpload().start(file)` to continue one.
 */
export function useResumableUploads(): UseResumableUploadsResult {
  const [uploads, setUploads] = useState<ResumableUpload[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<FerryError | null>(null);
  const alive = useRef(false);
  const sequence = useRef(0);

  const refresh = useCallback(async (): Promise<void> => {
    const mine = ++sequence.current;
    setLoading(true);
    try {
      const list = await listResumableUploads();
      if (alive.current && mine === sequence.current) {
        setUploads(list);
        setError(null);
      }
    } catch (err) {
      if (alive.current && mine === sequence.current) setError(toFerryError(err));
    } finally {
      if (alive.current && mine === sequence.current) setLoading(false);
    }
  }, []);

  const forget = useCallback(async (key: string): Promise<void> => {
    await forgetUpload(key);
    await refresh();
  }, [refresh]);

  useEffect(() => {
    alive.current = true;
    const listener = () => void refresh();
    sessionListeners.add(listener);
    void refresh();
    return () => {
      alive.current = false;
      sessionListeners.delete(listener);
    };
  }, [refresh]);

  return { uploads, loading, error, refresh, forget };
}

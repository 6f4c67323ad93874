// createUpload(): the public upload object. A thin shell over the wasm Engine that keeps
// listeners, mirrors state from events and converts errors. The protocol, retries and
// progress throttling all live in the Rust core; nothing here second-guesses them.

import { FerryError, toFerryError } from './errors.js';
import { isOffline, loadEngine } from './loader.js';
import type { Engine } from './wasm/ferry_upload.js';
import type { HeadersOption, Progress, ResumableUpload, ResumeAllResult, Upload, UploadEvents, UploadOptions, UploadResult, UploadState } from './types.js';

type Listener = (payload: never) => void;

interface EngineEvent {
  type: 'state' | 'progress' | 'reconnecting' | 'warning' | 'created' | 'restarted' | 'completed' | 'failed';
  code?: string;
  message?: string;
  attempt?: number;
  retryIn?: number;
  bytesPerSecond?: number;
  etaSeconds?: number | null;
  state?: UploadState;
  bytesConfirmed?: number;
  bytesTotal?: number;
  url?: string;
  reason?: unknown;
  error?: unknown;
}

function resolveEndpoint(endpoint: string | URL): string {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(String(endpoint), base).href;
  } catch {
    throw new FerryError('usage', 'invalid_endpoint', `endpoint ${JSON.stringify(String(endpoint))} is not a valid URL`);
  }
}

function headersFunction(headers: HeadersOption | undefined) {
  if (headers === undefined || typeof headers === 'function') return headers;
  const fixed = { ...headers };
  return () => fixed;
}

/** The `Idempotency-Key` to send on creation, if any (see `UploadOptions.idempotencyKey`). */
function idempotencyKey(option: boolean | string | undefined, endpoint: string): string | undefined {
  if (typeof option === 'string') return option;
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  const wanted = option ?? (origin !== undefined && new URL(endpoint).origin === origin);
  if (!wanted) return undefined;
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

class FerryUpload implements Upload {
  #options: UploadOptions;
  #engine: Promise<Engine> | null = null;
  #run: Promise<UploadResult> | null = null;
  #listeners = new Map<keyof UploadEvents, Set<Listener>>();
  #state: UploadState = 'idle';
  #url: string | null;
  #confirmed = 0;

  constructor(options: UploadOptions) {
    if (!options || typeof options !== 'object') {
      throw new FerryError('usage', 'invalid_option', 'createUpload() needs an options object');
    }
    if (typeof Blob === 'undefined' || !(options.file instanceof Blob)) {
      throw new FerryError('usage', 'invalid_option', 'option `file` must be a File or Blob');
    }
    this.#options = options;
    this.#url = options.uploadUrl ?? null;
  }

  get url() { return this.#url; }
  get state() { return this.#state; }
  get bytesConfirmed() { return this.#confirmed; }
  get bytesTotal() { return this.#options.file.size; }

  on<K extends keyof UploadEvents>(type: K, listener: (payload: UploadEvents[K]) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  start(): Promise<UploadResult> {
    if (this.#run) {
      void this.#engine?.then((engine) => engine.start());
      return this.#run;
    }
    const run = this.#begin((engine) => engine.start());
    this.#run = run;
    const clear = () => { if (this.#run === run) this.#run = null; };
    run.then(clear, clear);
    return run;
  }

  resume(): Promise<UploadResult> {
    return this.start();
  }

  pause(): void {
    if (this.#run) void this.#engine?.then((engine) => engine.pause());
  }

  async abort(options: { terminate?: boolean } = {}): Promise<void> {
    const terminate = options.terminate === true;
    const settle = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);
    if (this.#run) {
      const run = this.#run;
      void this.#engine?.then((engine) => engine.abort(terminate));
      return settle(run);
    }
    return settle(this.#begin((engine) => engine.abort(terminate)));
  }

  async #begin(command: (engine: Engine) => Promise<unknown> | undefined): Promise<UploadResult> {
    try {
      const engine = await this.#getEngine();
      const run = command(engine);
      if (!run) throw new FerryError('usage', 'internal', 'the upload engine is already running');
      return (await run) as UploadResult;
    } catch (err) {
      throw toFerryError(err);
    }
  }

  #getEngine(): Promise<Engine> {
    this.#engine ??= (async () => {
      if (isOffline()) {
        // The engine loads on the first start(); offline, wait for the network like an upload does.
        this.#onEvent({ type: 'state', state: 'offline' });
      }
      const wasm = await loadEngine().catch((err: unknown) => {
        const why = err instanceof Error ? err.message : String(err);
        throw new FerryError('network', 'engine_unavailable', `the upload engine could not be loaded (${why}); start() tries again`);
      });
      const o = this.#options;
      const options = {
        endpoint: resolveEndpoint(o.endpoint),
        file: o.file,
        chunkSize: o.chunkSize,
        minChunkSize: o.minChunkSize,
        maxChunkSize: o.maxChunkSize,
        metadata: o.metadata,
        uploadUrl: o.uploadUrl === undefined ? undefined : resolveEndpoint(o.uploadUrl),
        headers: headersFunction(o.headers),
        progressInterval: o.progressInterval,
        retry: o.retry,
        stallTimeout: o.stallTimeout,
        allowedOrigins: o.allowedOrigins,
        idempotencyKey: idempotencyKey(o.idempotencyKey, resolveEndpoint(o.endpoint)),
        resume: o.resume,
        fingerprint: o.fingerprint,
        keepSession: o.keepSession,
        checksum: o.checksum,
        parallelUploads: o.parallelUploads,
        onLocked: o.onLocked,
        fileHandle: o.fileHandle,
      };
      return new wasm.Engine(options, (event: EngineEvent) => this.#onEvent(event));
    })().catch((err: unknown) => {
      this.#engine = null;
      throw toFerryError(err);
    });
    return this.#engine;
  }

  #onEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'state':
        this.#state = event.state!;
        this.#emit('state', this.#state);
        break;
      case 'progress': {
        const bytesTotal = event.bytesTotal!;
        this.#confirmed = event.bytesConfirmed!;
        const percent = bytesTotal === 0 ? 100 : (this.#confirmed / bytesTotal) * 100;
        this.#emit('progress', {
          bytesConfirmed: this.#confirmed,
          bytesTotal,
          percent,
          bytesPerSecond: event.bytesPerSecond!,
          etaSeconds: event.etaSeconds ?? null,
        } satisfies Progress);
        break;
      }
      case 'reconnecting': {
        const retryIn = event.retryIn!;
        this.#emit('reconnecting', {
          attempt: event.attempt!,
          retryIn,
          retryAt: Date.now() + retryIn,
          reason: toFerryError(event.reason),
        });
        break;
      }
      case 'warning':
        this.#emit('warning', { code: event.code!, message: event.message! });
        break;
      case 'created':
        this.#url = event.url!;
        this.#emit('created', { url: event.url! });
        break;
      case 'restarted':
        this.#url = null;
        this.#confirmed = 0;
        this.#emit('restarted', { reason: toFerryError(event.reason) });
        break;
      case 'completed':
        this.#url = event.url!;
        break;
      case 'failed':
        this.#emit('error', toFerryError(event.error));
        break;
    }
  }

  #emit<K extends keyof UploadEvents>(type: K, payload: UploadEvents[K]): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        (listener as (p: UploadEvents[K]) => void)(payload);
      } catch (err) {
        // A throwing listener must not break the upload or the other listeners.
        queueMicrotask(() => { throw err; });
      }
    }
  }
}

/**
 * Prepares a resumable upload of `options.file` to the TUS server at `options.endpoint`.
 * Nothing is sent until `start()`.
 *
 * ```ts
 * const upload = createUpload({ endpoint: '/files/', file });
 * upload.on('progress', ({ percent }) => bar.value = percent);
 * const { uploadUrl } = await upload.start();
 * ```
 */
export function createUpload(options: UploadOptions): Upload {
  return new FerryUpload(options);
}

/**
 * The uploads this origin can continue (stored sessions), oldest first: show them as a
 * "continue your uploads" list and ask the user for each file again (`createUpload` with the
 * same file then continues where the server stands).
 */
export async function listResumableUploads(): Promise<ResumableUpload[]> {
  const wasm = await loadEngine();
  return (await wasm.listSessions()) as ResumableUpload[];
}

/** Forgets a stored session (the upload on the server is left alone). */
export async function forgetUpload(key: string): Promise<void> {
  const wasm = await loadEngine();
  await wasm.forgetSession(String(key));
}

/**
 * Continues every stored upload whose file can be reopened from its `fileHandle` (Chromium's
 * File System Access API). Call it from a user gesture (a click): reopening may need the
 * user's permission again after a browser restart. Sessions without a usable handle are
 * returned in `needsFile`, for the app to ask the user to pick those files again.
 *
 * `options` apply to every resumed upload (e.g. `headers`); each continues at the endpoint
 * stored with its session (a session belongs to its endpoint).
 */
export async function resumeAll(options: Partial<Omit<UploadOptions, 'file' | 'fileHandle' | 'endpoint'>> = {}): Promise<ResumeAllResult> {
  const resumed: Upload[] = [];
  const needsFile: ResumableUpload[] = [];
  for (const session of await listResumableUploads()) {
    const handle = session.fileHandle;
    try {
      if (!handle) throw new Error('no handle');
      const mode = { mode: 'read' as const };
      let permission = (await handle.queryPermission?.(mode)) ?? 'granted';
      if (permission === 'prompt') permission = (await handle.requestPermission?.(mode)) ?? 'denied';
      if (permission !== 'granted') throw new Error('permission refused');
      const file = await handle.getFile();
      // A session belongs to its endpoint: it continues there and nowhere else.
      const upload = createUpload({
        metadata: session.metadata,
        ...options,
        endpoint: session.endpoint,
        file,
        fileHandle: handle,
      });
      upload.start().catch(() => { /* reported through the upload's own events */ });
      resumed.push(upload);
    } catch {
      needsFile.push(session);
    }
  }
  return { resumed, needsFile };
}

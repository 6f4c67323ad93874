// createUpload(): the public upload object. A thin shell over the wasm Engine that keeps
// listeners, mirrors state from events and converts errors; for a recording it also holds the
// buffer and tells the engine what was buffered. The recording code itself (recording/) comes
// only through `ferry-upload/recording` (recording.ts hands it in as `RecordingSupport`), so
// that an app that uploads files does not download it. The protocol, retries and progress
// throttling all live in the Rust core; nothing here second-guesses them.

import { FerryError, toFerryError } from './errors.js';
import { isOffline, loadEngine } from './loader.js';
import type { Engine, EngineEvent, EngineOptions, EngineResult } from './wasm/ferry_upload.js';
import type { RecordingBuffer } from './recording/buffer.js';
import type { HeadersOption, PushUpload, RecordingProgress, RecordingUpload, RecordingUploadOptions, Upload, UploadEvents, UploadOptions, UploadResult, UploadState } from './types.js';

type Listener = (payload: never) => void;


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

/** Recordings uploading in this page (resumeAll leaves them alone). */
const live = new Set<string>();

/** What an upload while recording needs, handed in by `ferry-upload/recording` (recording.ts). */
export interface RecordingSupport {
  /**
   * The buffer of a new recording from `options.source`, listened to from now on (`stop` stops
   * listening), and its MIME type (`options.type`, else what the source announces, else '').
   */
  open(options: RecordingUploadOptions, warn: (code: string, message: string) => void): { buffer: RecordingBuffer; stop: () => void; type: string };
}

/** The endpoint as stored with a recording's buffer: resolved, or as given if it is not a URL (start() reports that). */
export function describedEndpoint(endpoint: string | URL): string {
  try {
    return resolveEndpoint(endpoint);
  } catch {
    return String(endpoint);
  }
}

export function randomId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

class FerryUpload implements Upload, PushUpload {
  #options: UploadOptions | RecordingUploadOptions;
  #recording: RecordingBuffer | null = null;
  /** A recording's MIME type. */
  #type = '';
  #stopListening: () => void = () => undefined;
  #engine: Promise<Engine> | null = null;
  #run: Promise<UploadResult> | null = null;
  #listeners = new Map<keyof UploadEvents, Set<Listener>>();
  #state: UploadState = 'idle';
  #url: string | null;
  #confirmed = 0;

  constructor(options: UploadOptions | RecordingUploadOptions, support?: RecordingSupport, stored?: RecordingBuffer) {
    if (!options || typeof options !== 'object') {
      throw new FerryError('usage', 'invalid_option', 'createUpload() needs an options object');
    }
    if (options.file !== undefined && options.source !== undefined) {
      throw new FerryError('usage', 'invalid_option', 'options `file` and `source` are exclusive: `file` uploads a File or Blob, `source` a recording');
    }
    this.#options = options;
    this.#url = (options as UploadOptions).uploadUrl ?? null;
    if (stored || options.source !== undefined) {
      if (!support) {
        throw new FerryError('usage', 'invalid_option', "option `source` uploads while recording: import createUpload from 'ferry-upload/recording' for it");
      }
      if (stored) {
        this.#recording = stored;
        this.#type = (options as RecordingUploadOptions).type ?? '';
      } else {
        const opened = support.open(options as RecordingUploadOptions, (code, message) => this.#emit('warning', { code, message }));
        this.#recording = opened.buffer;
        this.#stopListening = opened.stop;
        this.#type = opened.type;
      }
      this.#recording.hold();
      live.add(this.#recording.id);
    } else if (typeof Blob === 'undefined' || !(options.file instanceof Blob)) {
      throw new FerryError('usage', 'invalid_option', 'option `file` must be a File or Blob');
    }
  }

  get url() { return this.#url; }
  get state() { return this.#state; }
  get bytesConfirmed() { return this.#confirmed; }
  get bytesTotal(): number { return (this.#recording ? this.#recording.total : (this.#options as UploadOptions).file.size) as number; }
  get bytesRecorded() { return this.#recording?.available ?? 0; }

  append(data: Blob | ArrayBufferView | ArrayBuffer): Promise<void> {
    if (this.#options.source !== 'push' || !this.#recording) {
      return Promise.reject(new FerryError('usage', 'invalid_option', "append() is for uploads created with source: 'push'"));
    }
    return this.#recording.append(data instanceof Blob ? data : new Blob([data as BlobPart]));
  }

  end(): Promise<void> {
    if (this.#options.source !== 'push' || !this.#recording) {
      return Promise.reject(new FerryError('usage', 'invalid_option', "end() is for uploads created with source: 'push'"));
    }
    return this.#recording.end();
  }

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
      return settle(run).then(() => this.#discard());
    }
    return settle(this.#begin((engine) => engine.abort(terminate))).then(() => this.#discard());
  }

  /** A recording that completed or was aborted: its buffer goes. */
  async #discard(): Promise<void> {
    if (!this.#recording) return;
    this.#stopListening();
    live.delete(this.#recording.id);
    await this.#recording.destroy();
  }

  async #begin(command: (engine: Engine) => Promise<EngineResult> | undefined): Promise<UploadResult> {
    try {
      const engine = await this.#getEngine();
      const run = command(engine);
      if (!run) throw new FerryError('usage', 'internal', 'the upload engine is already running');
      const result = await run;
      await this.#discard();
      return result;
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
      const { buffer: _, ...o } = this.#options as Omit<UploadOptions, 'file' | 'source'> & { file?: Blob; source?: RecordingUploadOptions['source']; type?: string; buffer?: string };
      const rec = this.#recording;
      const recording = rec ? {
        // A recording is named by its `filename` metadata, as listed sessions show it.
        name: typeof o.metadata?.filename === 'string' ? o.metadata.filename : '',
        type: this.#type,
        body: (start: number, end: number) => rec.body(start, end),
        release: (offset: number) => rec.release(offset),
        heldFrom: () => rec.heldFrom,
      } : undefined;
      // The app's options pass through as they are (the engine checks each one), with what
      // only this layer can resolve: URLs against the page, the headers function, the key,
      // and a recording's buffer instead of a file.
      const endpoint = resolveEndpoint(o.endpoint);
      const options: EngineOptions = {
        ...o,
        endpoint,
        file: rec ? undefined : o.file,
        recording,
        uploadUrl: o.uploadUrl === undefined ? undefined : resolveEndpoint(o.uploadUrl),
        headers: headersFunction(o.headers),
        idempotencyKey: idempotencyKey(o.idempotencyKey, endpoint),
        fingerprint: rec ? rec.id : o.fingerprint,
      };
      const engine = new wasm.Engine(options, (event) => this.#onEvent(event));
      if (rec) {
        // Every stored piece and the end reach the engine, whenever they come.
        const tell = () => {
          engine.data(rec.available);
          if (rec.total !== null) engine.end(rec.total);
        };
        rec.subscribe(tell);
        tell();
      }
      return engine;
    })().catch((err: unknown) => {
      this.#engine = null;
      throw toFerryError(err);
    });
    return this.#engine;
  }

  #onEvent(event: EngineEvent): void {
    switch (event.type) {
      case 'state':
        this.#state = event.state;
        this.#emit('state', this.#state);
        break;
      case 'progress': {
        const { bytesTotal, bytesPerSecond, etaSeconds } = event;
        this.#confirmed = event.bytesConfirmed;
        const percent = bytesTotal === null ? null : bytesTotal === 0 ? 100 : (this.#confirmed / bytesTotal) * 100;
        // A file's total is always known: its progress is a `Progress`.
        this.#emit('progress', {
          bytesConfirmed: this.#confirmed, bytesTotal, percent, bytesPerSecond, etaSeconds,
        } satisfies RecordingProgress as never);
        break;
      }
      case 'reconnecting':
        this.#emit('reconnecting', {
          attempt: event.attempt,
          retryIn: event.retryIn,
          retryAt: Date.now() + event.retryIn,
          reason: toFerryError(event.reason),
        });
        break;
      case 'warning':
        this.#emit('warning', { code: event.code, message: event.message });
        break;
      case 'created':
        this.#url = event.url;
        this.#emit('created', { url: event.url });
        break;
      case 'restarted':
        this.#url = null;
        this.#confirmed = 0;
        this.#emit('restarted', { reason: toFerryError(event.reason) });
        break;
      case 'completed':
        this.#url = event.url;
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
 *
 * To upload while recording (`source` instead of `file`), import `createUpload` from
 * `ferry-upload/recording`: the recording code is downloaded only by apps that record.
 */
export function createUpload(options: UploadOptions): Upload {
  return new FerryUpload(options);
}

/** createUpload with recordings (`ferry-upload/recording`); with `stored`, one an earlier page left. */
export function uploadWith(options: UploadOptions | RecordingUploadOptions, support: RecordingSupport, stored?: RecordingBuffer): Upload | RecordingUpload {
  return new FerryUpload(options, support, stored);
}

/** Whether recording `id` is uploading in this page. */
export const isLive = (id: string) => live.has(id);


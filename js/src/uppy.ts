// ferry-upload/uppy: an uploader plugin for Uppy 6 that uploads with ferry instead of
// tus-js-client. `uppy.use(Ferry, { endpoint })` takes the place of `uppy.use(Tus, { endpoint })`
// and keeps Uppy's UI: the Dashboard's progress, pause/resume, cancel and retry buttons work
// as with @uppy/tus, and `file.response.uploadURL` is set on success.
//
// What it does: maps Uppy's commands (pause, resume, cancel, remove, retry) onto ferry uploads
// and ferry's events onto Uppy's (`upload-progress` with server-confirmed bytes only,
// `upload-success`, `upload-error`, `upload-stalled` while reconnecting or offline), merges
// per-file options (`file.tus`, then `file.ferry`) over the plugin's the way @uppy/tus does,
// and limits how many files upload at once. A file added again after a reload continues from
// the server's offset through ferry's own session store, with or without GoldenRetriever.
//
// What it does not do: remote (Companion) files, and anything about the protocol, retries or
// progress throttling: those live in ferry's engine, unchanged.

import { BasePlugin, EventManager } from '@uppy/core';
import type { Body, DefinePluginOpts, Meta, PluginOpts, Uppy, UppyFile } from '@uppy/core';
import { filterFilesToEmitUploadStarted, filterFilesToUpload, getAllowedMetaFields } from '@uppy/core/utils';
import { FerryError } from './errors.js';
import type { HeaderContext, Upload, UploadOptions, UploadResult } from './types.js';
import { createUpload } from './upload.js';

/** Request headers for a file: fixed, or a function called before every request. */
export type FerryUppyHeaders<M extends Meta, B extends Body> =
  | Record<string, string>
  | ((file: UppyFile<M, B>, context: HeaderContext) => Record<string, string> | Promise<Record<string, string>>);

/** ferry's upload options that the plugin passes on (the file and its handle come from Uppy). */
type PassedOn = Omit<UploadOptions, 'file' | 'fileHandle' | 'headers' | 'metadata' | 'endpoint'>;

/** Options of `uppy.use(Ferry, options)`; per file, `file.tus` and `file.ferry` override them. */
export interface FerryUppyOptions<M extends Meta, B extends Body> extends PluginOpts, PassedOn {
  /** The TUS creation endpoint, as for `createUpload` (e.g. `/files/`). */
  endpoint: string | URL;
  /** Request headers, or `(file, context) => headers`, called before every request. */
  headers?: FerryUppyHeaders<M, B>;
  /** How many files upload at once (others wait in line). Default 20, as @uppy/tus. */
  limit?: number;
  /**
   * Which `file.meta` fields go into `Upload-Metadata`: `true` (all, the default), `false`
   * (none) or a list of names. `name` and `type` are also sent as `filename` and `filetype`.
   */
  allowedMetaFields?: boolean | string[];
}

/** Per-file overrides, read from `file.ferry` (and from `file.tus`, for apps moving from @uppy/tus). */
export type FerryFileOptions<M extends Meta, B extends Body> = Partial<Omit<FerryUppyOptions<M, B>, 'id' | 'locale' | 'limit'>>;

declare module '@uppy/core' {
  export interface PluginTypeRegistry<M extends Meta, B extends Body> {
    Ferry: Ferry<M, B>;
  }
}

declare module '@uppy/core/utils' {
  export interface LocalUppyFile<M extends Meta, B extends Body> {
    ferry?: FerryFileOptions<M, B>;
  }
}

const defaults = { limit: 20, allowedMetaFields: true } satisfies Partial<FerryUppyOptions<Meta, Body>>;
type Opts<M extends Meta, B extends Body> = DefinePluginOpts<FerryUppyOptions<M, B>, keyof typeof defaults>;

/** One file's upload while the plugin runs it. */
interface Running {
  upload: Upload;
  /** Drops the file's listeners and its place in line (the upload itself is left as it is). */
  stop: () => void;
}

/** Uppy uploader plugin: uploads with ferry (confirmed progress, automatic resume). */
export default class Ferry<M extends Meta, B extends Body> extends BasePlugin<Opts<M, B>, M, B> {
  static VERSION = '0.1.0';

  #running = new Map<string, Running>();
  #active = 0;
  #waiting: Array<() => void> = [];

  constructor(uppy: Uppy<M, B>, opts: FerryUppyOptions<M, B>) {
    super(uppy, { ...defaults, ...opts });
    this.type = 'uploader';
    this.id = this.opts.id ?? 'Ferry';
    if (!opts || (typeof opts.endpoint !== 'string' && !(opts.endpoint instanceof URL))) {
      throw new FerryError('usage', 'invalid_option', 'ferry-upload/uppy: option `endpoint` is required (e.g. `/files/`)');
    }
    if ('retryDelays' in opts) {
      throw new FerryError('usage', 'invalid_option',
        'ferry-upload/uppy: `retryDelays` is not an option: ferry retries with backoff and jitter within `retry.budget` (see README, "Coming from Uppy")');
    }
  }

  #handleUpload = async (fileIDs: string[]): Promise<void> => {
    if (fileIDs.length === 0) return;
    const files = filterFilesToUpload(this.uppy.getFilesByIds(fileIDs)) as UppyFile<M, B>[];
    this.uppy.emit('upload-start', filterFilesToEmitUploadStarted(files) as UppyFile<M, B>[]);
    await Promise.allSettled(files.map((file) => this.#uploadFile(file)));
  };

  /** Waits for a place in the line of uploads; resolves to the function that gives it back. */
  async #place(): Promise<() => void> {
    if (this.#active >= Math.max(1, this.opts.limit)) {
      await new Promise<void>((go) => this.#waiting.push(go));
    }
    this.#active += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#active -= 1;
      this.#waiting.shift()?.();
    };
  }

  #options(file: UppyFile<M, B>): FerryUppyOptions<M, B> {
    const perFile = file as UppyFile<M, B> & { tus?: FerryFileOptions<M, B>; ferry?: FerryFileOptions<M, B> };
    return { ...this.opts, ...(perFile.tus ?? {}), ...(perFile.ferry ?? {}) };
  }

  #metadata(file: UppyFile<M, B>, allowed: boolean | string[] | undefined): Record<string, string> {
    const meta: Record<string, string> = {};
    for (const field of getAllowedMetaFields(allowed ?? true, file.meta)) {
      const value = (file.meta as Record<string, unknown>)[field];
      if (value !== undefined && value !== null) meta[field] = String(value);
    }
    // What tusd and @tus/server expect, as @uppy/tus sends them.
    if (meta.type !== undefined && meta.filetype === undefined) meta.filetype = meta.type;
    if (meta.name !== undefined && meta.filename === undefined) meta.filename = meta.name;
    return meta;
  }

  #uploadFile(file: UppyFile<M, B>): Promise<void> {
    const previous = this.#running.get(file.id);
    if (previous) {
      // Uppy retries a file by calling the uploader again: continue the same upload.
      return previous.upload.start().then(() => undefined);
    }
    if (file.isRemote) {
      const error = new FerryError('usage', 'invalid_option', 'ferry-upload/uppy uploads local files only; remote (Companion) files need @uppy/tus');
      this.uppy.emit('upload-error', file, error);
      return Promise.reject(error);
    }
    if (!(file.data instanceof Blob)) {
      // GoldenRetriever brings back large files as "ghosts" without their bytes.
      const error = new FerryError('usage', 'invalid_option',
        `ferry-upload/uppy: ${file.name ?? 'this file'} has no data; add the same file again and its upload continues where the server stands`);
      this.uppy.emit('upload-error', file, error);
      return Promise.reject(error);
    }
    const opts = this.#options(file);
    const { headers, endpoint, allowedMetaFields, limit: _limit, id: _id, locale: _locale, ...passed } = opts;
    const upload = createUpload({
      ...passed,
      endpoint,
      file: file.data,
      metadata: this.#metadata(file, allowedMetaFields),
      headers: typeof headers === 'function'
        ? (context: HeaderContext) => headers(this.uppy.getFile(file.id) ?? file, context)
        : headers,
    });
    return this.#run(file, upload);
  }

  #run(file: UppyFile<M, B>, upload: Upload): Promise<void> {
    const events = new EventManager(this.uppy);
    const current = () => this.uppy.getFile(file.id) as UppyFile<M, B> | undefined;
    let release: (() => void) | null = null; // set while this file holds a place in line
    let done = false;
    const giveBack = () => { release?.(); release = null; };
    const finish = () => {
      done = true;
      giveBack();
      events.remove();
      this.#running.delete(file.id);
    };
    this.#running.set(file.id, { upload, stop: finish });

    upload.on('progress', ({ bytesConfirmed, bytesTotal }) => {
      const latest = current();
      if (!latest) return;
      this.uppy.emit('upload-progress', latest, {
        uploadStarted: latest.progress.uploadStarted ?? Date.now(),
        bytesUploaded: bytesConfirmed,
        bytesTotal,
      });
    });
    upload.on('created', ({ url }) => {
      const latest = current() as (UppyFile<M, B> & { tus?: Record<string, unknown> }) | undefined;
      // Kept on the file as @uppy/tus does, so GoldenRetriever's restored state points at it.
      if (latest) this.uppy.setFileState(file.id, { tus: { ...latest.tus, uploadUrl: url } } as Partial<UppyFile<M, B>>);
    });
    upload.on('reconnecting', ({ attempt, retryIn, reason }) => {
      const latest = current();
      if (!latest) return;
      const message = `Reconnecting (attempt ${attempt}, next try in ${Math.max(1, Math.ceil(retryIn / 1000))} s)`;
      this.uppy.emit('upload-stalled', { message, details: reason.message }, [latest]);
    });
    upload.on('state', (state) => {
      const latest = current();
      if (state === 'offline' && latest) {
        this.uppy.emit('upload-stalled', { message: 'Offline: the upload continues when the connection is back' }, [latest]);
      }
    });
    upload.on('restarted', ({ reason }) =>
      this.uppy.log(`[Ferry] ${file.id}: the server lost the upload (${reason.code}); starting it again`, 'warning'));
    upload.on('warning', ({ code, message }) => this.uppy.log(`[Ferry] ${code}: ${message}`, 'warning'));

    return new Promise<void>((resolve, reject) => {
      const settle = upload.start.bind(upload);
      let running: Promise<UploadResult> | null = null;
      const go = async () => {
        if (release === null) {
          const given = await this.#place();
          if (done || current()?.isPaused) { given(); return; }
          release = given;
        }
        const run = settle();
        if (run === running) return; // already running: start() continued it
        running = run;
        run.then((result) => {
          const latest = current();
          finish();
          if (latest) this.uppy.emit('upload-success', latest, { uploadURL: result.uploadUrl, status: 200, body: {} as B });
          resolve();
        }, (err: unknown) => {
          if (done) return; // removed or cancelled: settled there
          const error = err instanceof FerryError ? err : new FerryError('usage', 'internal', String(err));
          finish();
          this.uppy.emit('upload-error', current() ?? file, error);
          reject(error);
        });
      };
      const stop = (why: string) => {
        finish();
        void upload.abort({ terminate: upload.url !== null });
        this.uppy.log(`[Ferry] ${file.id}: ${why}`);
        resolve();
      };
      const pause = () => {
        upload.pause();
        giveBack(); // another file may take the place meanwhile
      };
      events.onFileRemove(file.id, () => stop('removed'));
      events.onCancelAll(file.id, () => stop('cancelled'));
      events.onPause(file.id, (isPaused) => (isPaused ? pause() : void go()));
      events.onPauseAll(file.id, pause);
      events.onResumeAll(file.id, () => void go());
      void go();
    });
  }

  install(): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: true } });
    this.uppy.addUploader(this.#handleUpload);
  }

  uninstall(): void {
    const { capabilities } = this.uppy.getState();
    this.uppy.setState({ capabilities: { ...capabilities, resumableUploads: false } });
    this.uppy.removeUploader(this.#handleUpload);
    for (const { upload, stop } of [...this.#running.values()]) {
      upload.pause();
      stop();
    }
  }
}

export { Ferry };

// A recording's buffer: pieces are appended in order, each stored durably (stores.ts) before
// it counts as received; the engine reads PATCH bodies from it (`body`, a Blob made from the
// stored pieces: no copy into wasm memory) and says which bytes the server confirmed
// (`release`), whose pieces then leave the buffer. The piece holding the last byte stays,
// so that the recording's length so far is known again after a tab close (stored.ts reopens
// it). While a page uploads a recording it holds a Web Lock named for it (`hold`), so that
// another page finding its buffer without a session leaves a recording still being made alone.
//
// What it does not do: listen to recorders or streams (source.ts), find recordings stored by
// earlier pages (stored.ts), or decide when to send or release anything (the Rust core does).

import { FerryError } from '../errors.js';
import { openStore, PieceMissing, type PieceStore, type RecordingInfo } from './stores.js';

export interface LockManagerLike {
  request(name: string, callback: () => Promise<void>): Promise<void>;
  request(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<void> | undefined): Promise<void>;
  query(): Promise<{ held?: Array<{ name?: string }>; pending?: Array<{ name?: string }> }>;
}

export const locks = () => (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks;
/** The Web Lock a page holds while it uploads recording `id`. */
export const lockName = (id: string) => `ferry-recording ${id}`;

/** A recording stored by an earlier page: its store and the pieces it holds, in order. */
export interface Stored {
  store: PieceStore;
  pieces: Array<{ offset: number; size: number }>;
}

interface Piece {
  offset: number;
  size: number;
  store: PieceStore;
}

type Warn = (code: string, message: string) => void;

/** The pieces of one recording, by id (the session's fingerprint). */
export class RecordingBuffer {
  readonly id: string;
  #store: Promise<PieceStore>;
  #pieces: Piece[] = [];
  /** Offset of the next piece appended (pieces may still be being written below it). */
  #next = 0;
  /** Bytes stored durably, from offset 0. */
  #available = 0;
  /** No more appends (`end()` was called or the source ended). */
  #closed = false;
  /** Every piece appended before the end is stored. */
  #ended = false;
  #writes: Promise<void> = Promise.resolve();
  #removals: Promise<void> = Promise.resolve();
  #listeners = new Set<() => void>();
  #warn: Warn;
  #unlock: (() => void) | null = null;

  /**
   * A new recording's buffer in the most durable store (or the one `prefer` names), or, with
   * `stored`, one an earlier page stored, ended at the bytes it holds.
   */
  constructor(id: string, warn: Warn, prefer?: 'opfs' | 'indexeddb' | 'memory', stored?: Stored) {
    this.id = id;
    this.#warn = warn;
    if (stored) {
      const { store, pieces } = stored;
      this.#store = Promise.resolve(store);
      this.#pieces = pieces.map((p) => ({ ...p, store }));
      const last = pieces[pieces.length - 1];
      this.#next = this.#available = last ? last.offset + last.size : 0;
      this.#closed = this.#ended = true;
      return;
    }
    this.#store = openStore(id, prefer).then(({ store, why }) => {
      if (why && prefer !== 'memory') this.#warn('storage_unavailable', `the recording is buffered in memory only (${why}): a tab close loses what the server has not confirmed`);
      return store;
    });
  }

  /** Stores where the recording goes beside its pieces, for the next page should this one close before the upload is created. */
  describe(info: RecordingInfo): void {
    this.#writes = this.#writes.then(async () => (await this.#store).putInfo(info)).catch(() => undefined);
  }

  /** Where the recording goes, as `describe` stored it (`null` if it did not). */
  async info(): Promise<RecordingInfo | null> {
    return (await this.#store).getInfo().catch(() => null);
  }

  /** Holds this recording's Web Lock until `destroy()` or the page closes: it is being uploaded. */
  hold(): void {
    const manager = locks();
    if (!manager || this.#unlock) return;
    const released = new Promise<void>((resolve) => { this.#unlock = resolve; });
    manager.request(lockName(this.id), () => released).catch(() => undefined);
  }

  /**
   * Takes this recording's Web Lock if no page holds it, as `hold()` would (until `destroy()`
   * or the page closes); `false` if one does: another page is continuing it.
   */
  claim(): Promise<boolean> {
    const manager = locks();
    if (!manager || this.#unlock) return Promise.resolve(true);
    return new Promise((resolve) => {
      manager.request(lockName(this.id), { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        const released = new Promise<void>((release) => { this.#unlock = release; });
        resolve(true);
        return released;
      }).catch(() => resolve(true));
    });
  }

  /** Bytes stored durably so far. */
  get available(): number { return this.#available; }

  /** The first byte the buffer holds: those before it were released (by this page or an earlier one). */
  get heldFrom(): number { return this.#pieces[0]?.offset ?? 0; }

  /** The recording's length once it ended and every piece is stored, else `null`. */
  get total(): number | null { return this.#ended ? this.#available : null; }

  /** Calls `listener` whenever `available` or `total` changed. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stores `piece` after the pieces before it; resolves once it is stored. */
  append(piece: Blob): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new FerryError('usage', 'invalid_option', 'append() after end(): the recording has ended'));
    }
    const offset = this.#next;
    this.#next += piece.size;
    const write = this.#writes.then(async () => {
      if (piece.size > 0) {
        // Stored first: `release` may replace the list while the piece is being written.
        const store = await this.#put(offset, piece);
        this.#pieces.push({ offset, size: piece.size, store });
      }
      this.#available = offset + piece.size;
      this.#notify();
    });
    this.#writes = write.catch(() => undefined);
    return write;
  }

  /** Ends the recording once every piece appended so far is stored. */
  end(): Promise<void> {
    this.#closed = true;
    return this.#writes.then(() => {
      if (this.#ended) return;
      this.#ended = true;
      this.#notify();
    });
  }

  /**
   * Bytes `start..end` as one Blob, made from the stored pieces. Bytes that are gone (not in
   * the buffer, or a piece its store lost) reject with a `source_failed` FerryError: reading
   * again cannot bring them back. Other failures may pass.
   */
  async body(start: number, end: number): Promise<Blob> {
    const parts = this.#pieces.filter((p) => p.offset < end && p.offset + p.size > start);
    const first = parts[0];
    if (!first || first.offset > start) {
      const held = this.#pieces.map((p) => `${p.offset}+${p.size}`).join(' ');
      throw new FerryError('storage', 'source_failed', `bytes ${start}..${end} are not in the buffer (it holds ${held || 'nothing'})`);
    }
    const blobs = await Promise.all(parts.map((p) => p.store.get(p.offset))).catch((err: unknown) => {
      throw err instanceof PieceMissing ? new FerryError('storage', 'source_failed', err.message) : err;
    });
    return new Blob(blobs).slice(start - first.offset, end - first.offset);
  }

  /** The server confirmed every byte before `offset`: pieces wholly below it leave the buffer. */
  release(offset: number): void {
    const last = this.#pieces[this.#pieces.length - 1];
    const gone = this.#pieces.filter((p) => p.offset + p.size <= offset && p !== last);
    if (gone.length === 0) return;
    this.#pieces = this.#pieces.filter((p) => !gone.includes(p));
    this.#removals = this.#removals.then(async () => {
      for (const p of gone) await p.store.remove(p.offset).catch(() => undefined);
    });
  }

  /** Deletes every stored piece (the upload completed, was aborted or is forgotten). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await this.#writes;
    await this.#removals;
    const stores = new Set(this.#pieces.map((p) => p.store));
    stores.add(await this.#store);
    this.#pieces = [];
    for (const store of stores) await store.destroy().catch(() => undefined);
    this.#unlock?.();
  }

  /** Stores a piece; if the store refuses it (quota, an engine's limits), keeps it in memory. */
  async #put(offset: number, piece: Blob): Promise<PieceStore> {
    const store = await this.#store;
    try {
      await store.put(offset, piece);
      return store;
    } catch (err) {
      if (store.kind === 'memory') throw err;
      const why = err instanceof Error ? err.message : String(err);
      this.#store = openStore(this.id, 'memory').then((r) => r.store);
      this.#warn('storage_unavailable', `the ${store.kind} buffer refused a piece (${why}): the rest of the recording is buffered in memory only`);
      return this.#put(offset, piece);
    }
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}

// Where a recording's pieces are kept until the server confirms them: the origin-private file
// system (one file per piece) where the browser has it, IndexedDB (one Blob per piece, one
// request per transaction) where not, memory as the last resort. Each piece is stored under
// its offset in the recording, so the buffer can be listed again after a tab close, beside
// the recording's `RecordingInfo` (where it goes), so that a recording whose upload was never
// created can still be uploaded by the next page.
//
// What it does not do: decide what to keep (buffer.ts does), or read a piece's bytes into
// memory: `get` returns a Blob backed by the store (a file, or IndexedDB's blob storage).

/** Where a recording goes, stored with its pieces (no headers, no tokens). */
export interface RecordingInfo {
  endpoint: string;
  metadata: Record<string, string>;
  type: string;
  createdAt: number;
}

/** `value` if it is a well-formed `RecordingInfo`, else `null` (never trusted blindly). */
function asInfo(value: unknown): RecordingInfo | null {
  const v = value as Partial<RecordingInfo> | null;
  if (!v || typeof v !== 'object' || typeof v.endpoint !== 'string' || typeof v.type !== 'string' || typeof v.createdAt !== 'number') return null;
  if (!v.metadata || typeof v.metadata !== 'object' || Object.values(v.metadata).some((x) => typeof x !== 'string')) return null;
  return { endpoint: v.endpoint, metadata: { ...v.metadata }, type: v.type, createdAt: v.createdAt };
}

/** A piece the store no longer has (deleted under the page: the site's data cleared). */
export class PieceMissing extends Error {
  constructor(offset: number) {
    super(`the piece at byte ${offset} is missing from its store`);
  }
}

/** One recording's pieces, by offset. Every method is one operation on the store. `get`
 * rejects with `PieceMissing` when the piece is gone. */
export interface PieceStore {
  /** 'opfs', 'indexeddb' or 'memory'. */
  readonly kind: string;
  putInfo(info: RecordingInfo): Promise<void>;
  /** The stored info, or `null` when there is none (or it is malformed). */
  getInfo(): Promise<RecordingInfo | null>;
  put(offset: number, piece: Blob): Promise<void>;
  get(offset: number): Promise<Blob>;
  remove(offset: number): Promise<void>;
  /** Every stored piece, in offset order. */
  list(): Promise<Array<{ offset: number; size: number }>>;
  /** Deletes every piece. */
  destroy(): Promise<void>;
}

const DIRECTORY = 'ferry-recordings';
const DATABASE = 'ferry-recordings';
const PIECES = 'pieces';

/** A piece's name in a directory: its offset, zero-padded so that names sort by offset. */
const pieceName = (offset: number) => String(offset).padStart(16, '0');

interface DirectoryHandle {
  getDirectoryHandle(name: string, options?: { create?: boolean }): Promise<DirectoryHandle>;
  getFileHandle(name: string, options?: { create?: boolean }): Promise<{
    getFile(): Promise<File>;
    createWritable(): Promise<{ write(data: Blob): Promise<void>; close(): Promise<void> }>;
  }>;
  removeEntry(name: string, options?: { recursive?: boolean }): Promise<void>;
  keys(): AsyncIterable<string>;
  values(): AsyncIterable<{ kind: string; name: string }>;
}

const INFO = 'info.json';

export async function opfsRoot(): Promise<DirectoryHandle> {
  const storage = (globalThis as unknown as { navigator?: { storage?: { getDirectory?: () => Promise<DirectoryHandle> } } }).navigator?.storage;
  if (typeof storage?.getDirectory !== 'function') throw new Error('no origin-private file system');
  const root = await storage.getDirectory();
  return root.getDirectoryHandle(DIRECTORY, { create: true });
}

async function opfsStore(id: string): Promise<PieceStore> {
  const root = await opfsRoot();
  const dir = await root.getDirectoryHandle(id, { create: true });
  const store: PieceStore = {
    kind: 'opfs',
    async putInfo(info) {
      const writable = await (await dir.getFileHandle(INFO, { create: true })).createWritable();
      await writable.write(new Blob([JSON.stringify(info)]));
      await writable.close();
    },
    async getInfo() {
      try {
        return asInfo(JSON.parse(await (await (await dir.getFileHandle(INFO)).getFile()).text()));
      } catch {
        return null;
      }
    },
    async put(offset, piece) {
      const handle = await dir.getFileHandle(pieceName(offset), { create: true });
      // A writable writes to a temporary file that replaces the piece on close(): a piece
      // is stored whole or not at all.
      const writable = await handle.createWritable();
      await writable.write(piece);
      await writable.close();
    },
    async get(offset) {
      const handle = await dir.getFileHandle(pieceName(offset)).catch((err: unknown) => {
        throw (err as { name?: string })?.name === 'NotFoundError' ? new PieceMissing(offset) : err;
      });
      return handle.getFile();
    },
    async remove(offset) {
      await dir.removeEntry(pieceName(offset));
    },
    async list() {
      const out: Array<{ offset: number; size: number }> = [];
      for await (const name of dir.keys()) {
        if (!/^\d{16}$/.test(name)) continue;
        const file = await (await dir.getFileHandle(name)).getFile();
        out.push({ offset: Number(name), size: file.size });
      }
      return out.sort((a, b) => a.offset - b.offset);
    },
    async destroy() {
      await root.removeEntry(id, { recursive: true });
    },
  };
  // Some engines list the API but refuse writables (or storage): find out now, not mid-take.
  // The probe has a name of its own beside the recordings' directories: Chromium may list
  // a directory as empty while another entry in it is being created or removed.
  const name = `probe-${id}-${Math.random().toString(36).slice(2)}`;
  const probe = await (await root.getFileHandle(name, { create: true })).createWritable();
  await probe.write(new Blob(['ok']));
  await probe.close();
  await root.removeEntry(name);
  return store;
}

export function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

let database: Promise<IDBDatabase> | null = null;

function openDatabase(): Promise<IDBDatabase> {
  database ??= new Promise<IDBDatabase>((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('no IndexedDB'));
    const open = indexedDB.open(DATABASE, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(PIECES, { keyPath: ['id', 'offset'] });
    open.onsuccess = () => {
      const db = open.result;
      // Closed under the page, or wanted by a newer version: the next use opens it again.
      const forget = () => { database = null; };
      db.onclose = forget;
      db.onversionchange = () => { db.close(); forget(); };
      resolve(db);
    };
    open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
  }).catch((err: unknown) => {
    database = null;
    throw err;
  });
  return database;
}

/**
 * The pieces' object store in a new transaction. A connection the browser closed under the
 * page ("the database connection is closing": site data cleared, the storage process gone)
 * is opened again once.
 */
export async function pieces(mode: IDBTransactionMode): Promise<IDBObjectStore> {
  const db = await openDatabase();
  try {
    return db.transaction(PIECES, mode).objectStore(PIECES);
  } catch (err) {
    if ((err as { name?: string } | null)?.name !== 'InvalidStateError') throw err;
    database = null;
    return (await openDatabase()).transaction(PIECES, mode).objectStore(PIECES);
  }
}

/** The info row's key beside the pieces (whose offsets are never negative). */
const INFO_OFFSET = -1;

async function indexedDbStore(id: string): Promise<PieceStore> {
  // One request per transaction: nothing else is awaited while one is open.
  const tx = pieces;
  const range = () => IDBKeyRange.bound([id, 0], [id, Number.MAX_SAFE_INTEGER]);
  const store: PieceStore = {
    kind: 'indexeddb',
    async putInfo(info) {
      await request((await tx('readwrite')).put({ id, offset: INFO_OFFSET, info }));
    },
    async getInfo() {
      const row = (await request((await tx('readonly')).get([id, INFO_OFFSET]))) as { info?: unknown } | undefined;
      return asInfo(row?.info);
    },
    async put(offset, piece) {
      await request((await tx('readwrite')).put({ id, offset, size: piece.size, piece }));
    },
    async get(offset) {
      const row = (await request((await tx('readonly')).get([id, offset]))) as { piece?: unknown } | undefined;
      if (!(row?.piece instanceof Blob)) throw new PieceMissing(offset);
      return row.piece;
    },
    async remove(offset) {
      await request((await tx('readwrite')).delete([id, offset]));
    },
    async list() {
      const keys = (await request((await tx('readonly')).getAllKeys(range()))) as Array<[string, number]>;
      const out: Array<{ offset: number; size: number }> = [];
      for (const [, offset] of keys) {
        out.push({ offset, size: (await store.get(offset)).size });
      }
      return out;
    },
    async destroy() {
      await request((await tx('readwrite')).delete(IDBKeyRange.bound([id, INFO_OFFSET], [id, Number.MAX_SAFE_INTEGER])));
    },
  };
  // WebKit under automation keeps the record but reads its Blob back as null: check once.
  await store.put(Number.MAX_SAFE_INTEGER, new Blob(['ok']));
  const probe = await store.get(Number.MAX_SAFE_INTEGER);
  await store.remove(Number.MAX_SAFE_INTEGER);
  if (probe.size !== 2) throw new Error('IndexedDB does not keep Blobs here');
  return store;
}

function memoryStore(): PieceStore {
  const pieces = new Map<number, Blob>();
  return {
    kind: 'memory',
    async putInfo() {},
    async getInfo() { return null; },
    async put(offset, piece) { pieces.set(offset, piece); },
    async get(offset) {
      const piece = pieces.get(offset);
      if (!piece) throw new Error(`piece ${offset} of the recording is missing`);
      return piece;
    },
    async remove(offset) { pieces.delete(offset); },
    async list() {
      return [...pieces].map(([offset, p]) => ({ offset, size: p.size })).sort((a, b) => a.offset - b.offset);
    },
    async destroy() { pieces.clear(); },
  };
}

/**
 * The most durable store this browser offers for recording `id`, and why a better one was
 * not used (`null` when a durable one was). `prefer` is for tests: 'indexeddb' skips the
 * origin-private file system, 'memory' skips both.
 */
export async function openStore(id: string, prefer?: 'opfs' | 'indexeddb' | 'memory'): Promise<{ store: PieceStore; why: string | null }> {
  const reasons: string[] = [];
  if (prefer === undefined || prefer === 'opfs') {
    try {
      return { store: await opfsStore(id), why: null };
    } catch (err) {
      reasons.push(`origin-private file system: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (prefer !== 'memory') {
    try {
      return { store: await indexedDbStore(id), why: null };
    } catch (err) {
      reasons.push(`IndexedDB: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { store: memoryStore(), why: reasons.join('; ') || 'durable storage was not wanted' };
}

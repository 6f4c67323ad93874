// A TUS server for uploads too big to keep: a real @tus/server whose datastore (TailStore)
// counts every byte it receives at its offset but keeps only the byte ranges a test asks to
// watch (for example the last few MiB of a file larger than 4 GiB, and the bytes around the
// 4 GiB mark), and SHA-256s them on request. It is served by tests/support/serve.mjs's startServer
// (127.0.0.1, CORS as @tus/server answers it, every POST/HEAD/PATCH logged with its offsets).
//
// It does not store the bulk of an upload, serve any page, support concatenation, deferred
// length or expiration, or survive a restart (everything lives in memory).
import crypto from 'node:crypto';
import { DataStore, ERRORS, Upload } from '@tus/server';
import { startServer } from './serve.mjs';

export class TailStore extends DataStore {
  /** `watch(size)` returns the [start, end) byte ranges of an upload of `size` bytes to keep. */
  constructor({ watch }) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination'];
    this.watch = watch;
    this.uploads = new Map(); // id -> { upload, ranges: [{ start, end, buf, filled }] }
  }

  async create(upload) {
    const ranges = (upload.size ? this.watch(upload.size) : []).map(([start, end]) => {
      if (!(start >= 0 && end <= upload.size && start < end)) throw new Error(`bad watch range ${start}..${end} of ${upload.size}`);
      return { start, end, buf: Buffer.alloc(end - start), filled: 0 };
    });
    upload.offset = 0;
    upload.storage = { type: 'memory', path: '' };
    this.uploads.set(upload.id, { upload, ranges });
    return upload;
  }

  async write(readable, id, offset) {
    const entry = this.uploads.get(id);
    if (!entry) throw ERRORS.FILE_NOT_FOUND;
    let pos = offset;
    try {
      for await (const chunk of readable) {
        for (const r of entry.ranges) {
          const from = Math.max(pos, r.start);
          const to = Math.min(pos + chunk.length, r.end);
          if (from < to) {
            chunk.copy(r.buf, from - r.start, from - pos, to - pos);
            r.filled += to - from;
          }
        }
        pos += chunk.length;
        // Like a FileStore: bytes received before an interruption count.
        entry.upload.offset = pos;
      }
    } catch {
      throw ERRORS.FILE_WRITE_ERROR;
    }
    return pos;
  }

  async getUpload(id) {
    const entry = this.uploads.get(id);
    if (!entry) throw ERRORS.FILE_NOT_FOUND;
    const { upload } = entry;
    return new Upload({
      id, size: upload.size, offset: upload.offset, metadata: upload.metadata, storage: upload.storage,
      creation_date: upload.creation_date,
    });
  }

  async remove(id) {
    if (!this.uploads.delete(id)) throw ERRORS.FILE_NOT_FOUND;
  }

  /**
   * What the store holds of upload `id`: { size, offset, ranges: [{ start, end, filled, sha256 }] }.
   * `filled` counts bytes received in the range (more than its length if any were sent twice).
   */
  summary(id) {
    const entry = this.uploads.get(id);
    if (!entry) return null;
    return {
      size: entry.upload.size,
      offset: entry.upload.offset,
      ranges: entry.ranges.map((r) => ({
        start: r.start, end: r.end, filled: r.filled, sha256: crypto.createHash('sha256').update(r.buf).digest('hex'),
      })),
    };
  }
}

/**
 * Starts tests/support/serve.mjs's server with a TailStore as its datastore; resolves to its
 * { endpoint, log, close(), ... } plus `store`.
 */
export async function startTailServer({ watch }) {
  const store = new TailStore({ watch });
  return { ...(await startServer({ port: 0, datastore: store, maxSize: 64 * 1024 ** 3 })), store };
}

// A TUS server for uploads too big to keep: a real @tus/server whose datastore (TailStore)
// counts every byte it receives at its offset but keeps only the byte ranges a test asks to
// watch (for example the last few MiB of a file larger than 4 GiB, and the bytes around the
// 4 GiB mark), and SHA-256s them on request. It listens on 127.0.0.1 only, answers CORS like
// @tus/server does (so a page from another origin can upload to it), and logs every
// POST/HEAD/PATCH with the offsets the client sent and the server answered.
//
// It does not store the bulk of an upload, serve any page, support concatenation, deferred
// length or expiration, or survive a restart (everything lives in memory).
import crypto from 'node:crypto';
import http from 'node:http';
import { DataStore, ERRORS, Server, Upload } from '@tus/server';

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
 * Starts @tus/server with a TailStore at http://127.0.0.1:<port>/files/.
 * Resolves to { endpoint, store, log, close() }; `log` holds { method, id, status,
 * requestOffset, responseOffset, startedAt } per TUS request once answered.
 */
export async function startTailServer({ watch }) {
  const store = new TailStore({ watch });
  const tus = new Server({ path: '/files', datastore: store, maxSize: 64 * 1024 ** 3 });
  const log = [];
  const server = http.createServer((req, res) => {
    const entry = {
      method: req.method,
      id: null,
      status: null,
      requestOffset: req.headers['upload-offset'] === undefined ? null : Number(req.headers['upload-offset']),
      responseOffset: null,
      startedAt: Date.now(),
    };
    // @tus/server hands its headers to writeHead (object, [[k, v]] or flat [k, v, ...]).
    const sent = {};
    const writeHead = res.writeHead;
    res.writeHead = function (status, ...args) {
      const h = args.find((a) => a && typeof a === 'object');
      const pairs = !h ? [] : Array.isArray(h)
        ? (Array.isArray(h[0]) ? h : h.flatMap((v, i) => (i % 2 ? [] : [[v, h[i + 1]]])))
        : Object.entries(h);
      for (const [k, v] of pairs) sent[String(k).toLowerCase()] = v;
      return writeHead.call(this, status, ...args);
    };
    const header = (name) => sent[name] ?? res.getHeader(name);
    res.once('close', () => {
      entry.status = res.statusCode;
      const offset = header('upload-offset');
      entry.responseOffset = offset === undefined ? null : Number(offset);
      const where = req.method === 'POST' ? header('location') : req.url;
      entry.id = where ? String(where).split('/').filter(Boolean).pop() : null;
      if (req.method !== 'OPTIONS') log.push(entry);
    });
    tus.handle(req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Access-Control-Allow-Origin': '*' });
      res.end(String(err?.message ?? err));
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  return {
    endpoint: `http://127.0.0.1:${port}/files/`,
    store,
    log,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}

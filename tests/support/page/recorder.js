// The one page-side recorder of the browser tests: starts uploads of the file picked in #file
// with the built package (/dist/index.js), exactly as an app would, without awaiting them, and
// records per run id what the page saw as plain data the test polls (window.ferryTest.get):
// progress, states (with times), events, every request the SDK asked headers for, online and
// offline events, failed start() calls, the result or the error. It also pauses, resumes and
// aborts runs, wraps listResumableUploads()/forgetUpload(), dumps the origin's IndexedDB and
// Web Storage, and counts the page's Blob reads. It asserts nothing and changes no SDK
// behaviour beyond the options it is given.
import { createUpload, FerryError, forgetUpload, listResumableUploads, resumeAll } from '/dist/index.js';
import { createUpload as createRecordingUpload } from '/dist/recording.js';
import './bench.js';
import { recordingSupport, startCapture, startPush } from './capture.js';

const runs = {};
const uploads = {};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function plainError(err) {
  if (err === null || err === undefined) return err;
  if (typeof err !== 'object') return { message: String(err) };
  return {
    isFerryError: err instanceof FerryError,
    name: err.name, kind: err.kind, code: err.code, status: err.status, message: String(err.message ?? ''),
  };
}

/**
 * Tracks upload `up` as run `id` (`extra` goes into the run record): its events, states,
 * progress and the network's online/offline, each with its time since now. `go()` starts it;
 * again(id) starts it once more after the run was rejected. `pauseAt`, `resumeAfter` and
 * `startAgain` are start()'s options of those names.
 */
function follow(id, up, extra = {}, { pauseAt, resumeAfter, startAgain = 0 } = {}) {
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const run = {
    states: [], stateLog: [], state: 'idle', progress: [], confirmed: 0, events: [], reconnecting: [],
    created: [], restarted: [], errors: [], requests: [], net: [], failures: [],
    pausedAt: null, resumeCalls: 0, done: false, ok: null, result: null, error: null, url: null, ms: null, ...extra,
  };
  runs[id] = run;
  uploads[id] = up;
  addEventListener('online', () => run.net.push({ type: 'online', t: now() }));
  addEventListener('offline', () => run.net.push({ type: 'offline', t: now() }));
  up.on('progress', ({ bytesConfirmed, bytesTotal, percent }) => {
    run.progress.push({ bytesConfirmed, bytesTotal, percent, t: now() });
    run.confirmed = bytesConfirmed;
    if (pauseAt !== undefined && run.pausedAt === null && bytesConfirmed >= pauseAt) {
      run.pausedAt = bytesConfirmed;
      up.pause();
    }
  });
  up.on('state', (state) => {
    run.states.push(state);
    run.stateLog.push({ s: state, t: now() });
    run.state = state;
    if (state === 'paused' && resumeAfter !== undefined) {
      setTimeout(() => { run.resumeCalls++; up.start().catch(() => {}); }, resumeAfter);
    }
  });
  for (const type of ['created', 'restarted', 'warning', 'reconnecting', 'error']) {
    up.on(type, (payload) => {
      const p = payload instanceof FerryError ? plainError(payload) : { ...payload };
      if (p.reason) p.reason = plainError(p.reason);
      run.events.push({ type, payload: p, t: now(), at: Date.now() });
      if (type === 'created') { run.created.push({ url: p.url, t: now() }); run.url = p.url; }
      if (type === 'restarted') run.restarted.push({ reason: p.reason, t: now() });
      if (type === 'reconnecting') run.reconnecting.push({ attempt: p.attempt, retryIn: p.retryIn, reason: p.reason, t: now() });
      if (type === 'error') run.errors.push({ ...p, t: now() });
    });
  }
  let again = startAgain;
  const go = () => up.start().then(
    (result) => { run.ok = true; run.result = result; },
    (err) => {
      if (again-- > 0) {
        run.failures.push({ ...plainError(err), t: now() });
        setTimeout(go, 300);
        return 'again';
      }
      run.ok = false;
      run.error = plainError(err);
    },
  ).then((again) => {
    if (again === 'again') return;
    run.ms = performance.now() - t0;
    run.done = true;
    run.url = up.url ?? run.url;
    run.state = up.state;
  });
  restarts[id] = () => {
    if (!run.done || run.ok !== false) throw new Error(`run ${id} has not been rejected`);
    run.failures.push({ ...run.error, t: now() });
    Object.assign(run, { done: false, ok: null, error: null });
    go();
  };
  return { run, now, go };
}

/**
 * Starts (does not await) an upload of the picked file; returns what the page sees of the
 * file. `options` go to createUpload, except these:
 *   pauseAt       pause() once this many bytes are confirmed
 *   resumeAfter   after 'paused', call start() again this many ms later (counted in resumeCalls)
 *   startAgain    call start() again after a rejection, up to this many times (300 ms later)
 *   auth          headers() answers `Bearer stale`, and a fresh token after `refused`
 *   headers       a plain object of headers; staticHeaders passes it to the SDK as is
 *   track: false  no headers function (otherwise one logs each request and waits delayMs)
 *   capture       record instead of a file: { ms, timeslice } records an animated canvas with
 *                 a MediaRecorder (capture.js) for `ms`, handed to createUpload as `source`
 *                 before the recorder starts; run.capture holds its stop time, and
 *                 window.ferryTest.captured(id) its output's size and SHA-256; with
 *                 { push: bytes } it appends random pieces of that size (source: 'push')
 */
function start(id, options = {}) {
  const capture = options.capture && (options.capture.push ? startPush(options.capture.push) : startCapture());
  const file = capture ? null : document.getElementById('file').files[0];
  if (!file && !capture) throw new Error('no file picked');
  const { headers: fixed = {}, staticHeaders, pauseAt, resumeAfter, startAgain = 0, auth, track = true, capture: take, ...rest } = options;
  let token = 'stale';
  let refreshes = 0;
  let headers = fixed;
  let run;
  let now;
  if (auth || (track && !staticHeaders)) {
    headers = async (ctx) => {
      if (auth && ctx.refused === true) token = `fresh-${++refreshes}`;
      run.requests.push({ method: ctx.method, url: ctx.url, refused: ctx.refused, keys: Object.keys(ctx), t: now(), at: Date.now(), state: up.state });
      if (api.delayMs > 0) await sleep(api.delayMs);
      return auth ? { ...fixed, Authorization: `Bearer ${token}` } : fixed;
    };
  }
  const up = capture ? createRecordingUpload({ ...rest, source: capture.recorder, headers }) : createUpload({ ...rest, file, headers });
  if (capture) captures[id] = capture;
  const followed = follow(id, up, {
    name: file?.name, size: file?.size, lastModified: file?.lastModified, type: file?.type ?? capture.mimeType,
    capture: capture ? { stoppedAt: null, recorded: 0 } : null,
  }, { pauseAt, resumeAfter, startAgain });
  ({ run, now } = followed);
  followed.go();
  if (capture) {
    capture.begin(take.timeslice ?? 250, up);
    setTimeout(() => {
      run.capture.stoppedAt = now();
      run.capture.stoppedAtMs = Date.now();
      capture.stop().then(() => { run.capture.recorded = capture.recorded(); });
    }, take.ms ?? 5000);
    return { type: capture.mimeType };
  }
  return { name: file.name, size: file.size, lastModified: file.lastModified, type: file.type };
}

const captures = {};
const restarts = {};

/** A JSON copy of run `id` (null if there is none). */
function get(id) {
  return JSON.parse(JSON.stringify(runs[id] ?? null));
}

/** abort() on run `id`; resolves to { state, error } once the SDK says it is over. */
async function abort(id, terminate) {
  try {
    await uploads[id].abort({ terminate });
    return { state: uploads[id].state, error: null };
  } catch (err) {
    return { state: uploads[id].state, error: plainError(err) };
  }
}

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** A JSON-able copy in which binary values (ArrayBuffer, views, Blob) become their bytes as text. */
async function plain(value) {
  if (value instanceof Blob) return { blobText: await value.text() };
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return { bytesText: new TextDecoder('latin1').decode(value) };
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (value instanceof Date) return { date: value.toISOString() };
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = await plain(v);
    return out;
  }
  return value;
}

/** Every IndexedDB database, object store, key and value of this origin, plus Web Storage, as JSON. */
async function dump() {
  const out = { databasesApi: typeof indexedDB.databases === 'function', databases: [], localStorage: {}, sessionStorage: {} };
  const names = out.databasesApi ? (await indexedDB.databases()).map((d) => d.name) : ['ferry-upload'];
  for (const name of names) {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      // Opening a database that does not exist creates it: do not leave one behind.
      req.onupgradeneeded = () => { req.transaction.abort(); };
    }).catch(() => null);
    if (!db) { out.databases.push({ name, missing: true }); continue; }
    const entry = { name, version: db.version, stores: [] };
    for (const storeName of db.objectStoreNames) {
      const store = db.transaction(storeName, 'readonly').objectStore(storeName);
      // Both requests are issued before anything is awaited, inside the one transaction.
      const [keys, values] = await Promise.all([request(store.getAllKeys()), request(store.getAll())]);
      entry.stores.push({ name: storeName, keyPath: store.keyPath, indexes: [...store.indexNames], keys: await plain(keys), values: await plain(values) });
    }
    db.close();
    out.databases.push(entry);
  }
  for (const [target, storage] of [[out.localStorage, localStorage], [out.sessionStorage, sessionStorage]]) {
    for (let i = 0; i < storage.length; i++) target[storage.key(i)] = storage.getItem(storage.key(i));
  }
  return JSON.stringify(out);
}

/** Where IndexedDB puts a plain record and a Blob: 'stored' or 'refused: <error>', and what reads back. */
async function idbProbe() {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('ferry-probe', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('s');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const put = (key, value) => new Promise((resolve) => {
    const tx = db.transaction('s', 'readwrite');
    const req = tx.objectStore('s').put(value, key);
    tx.oncomplete = () => resolve('stored');
    tx.onabort = () => resolve(`refused: ${req.error?.name || tx.error?.name || 'aborted'}`);
  });
  const read = (key) => new Promise((resolve) => {
    const req = db.transaction('s').objectStore('s').get(key);
    req.onsuccess = () => resolve(req.result === undefined ? 'missing' : req.result.b instanceof Blob ? 'blob' : typeof req.result.b);
  });
  const out = { plain: await put('plain', { b: 'text' }), blob: await put('blob', { b: new Blob(['abc']) }) };
  out.plainBack = await read('plain');
  out.blobBack = await read('blob');
  db.close();
  await new Promise((resolve) => { const d = indexedDB.deleteDatabase('ferry-probe'); d.onsuccess = d.onerror = resolve; });
  return out;
}

/**
 * Counts calls of Blob.prototype.slice and of every whole-blob reader (stream, arrayBuffer,
 * text, bytes) on blobs of at least `min` bytes, into window.ferryTest.blobReads.
 */
function countBlobReads(min) {
  const counts = { slice: 0, maxSliceEnd: 0, whole: {} };
  api.blobReads = counts;
  const { slice } = Blob.prototype;
  Blob.prototype.slice = function (s, end, type) {
    if (this.size >= min) {
      counts.slice++;
      counts.maxSliceEnd = Math.max(counts.maxSliceEnd, end === undefined ? this.size : end);
    }
    return slice.call(this, s, end, type);
  };
  for (const name of ['stream', 'arrayBuffer', 'text', 'bytes']) {
    const original = Blob.prototype[name];
    if (typeof original !== 'function') continue;
    Blob.prototype[name] = function (...args) {
      if (this.size >= min) counts.whole[name] = (counts.whole[name] || 0) + 1;
      return original.apply(this, args);
    };
  }
}

const api = {
  start, get, abort, dump, idbProbe, countBlobReads, runs, delayMs: 0, blobReads: null, recordingSupport,
  again: (id) => restarts[id](),
  captured: (id) => captures[id].digest(),
  stopCapture: (id) => captures[id].stop(),
  /** Pauses run `id`'s recorder (no more pieces) and resolves to its output so far. */
  freezeCapture: async (id) => {
    (captures[id].recorder.pause ? captures[id].recorder : captures[id]).pause();
    await sleep(500);
    return captures[id].digest();
  },
  /** resumeAll(); the first recording it continues is tracked as run `id`. */
  resumeAll: async (id) => {
    const { recordings, resumed, needsFile } = await resumeAll();
    if (recordings[0]) follow(id, recordings[0]).go();
    return { recordings: recordings.length, resumed: resumed.length, needsFile: needsFile.length };
  },
  list: async () => JSON.parse(JSON.stringify(await listResumableUploads())),
  /**
   * Makes the next IDBDatabase.transaction() in this page close its connection first, as a
   * browser does when it closes one under the page: the real browser then throws
   * "The database connection is closing".
   */
  closeNextIdbConnection: () => {
    const p = IDBDatabase.prototype;
    const transaction = p.transaction;
    p.transaction = function (...args) {
      p.transaction = transaction;
      this.close();
      return transaction.apply(this, args);
    };
  },
  /** How many recording pieces the origin-private file system holds now (every recording). */
  /**
   * The offsets of the recording pieces stored in the origin-private file system; with
   * `remove`, those pieces are deleted too (as when the site's data is cleared).
   */
  storedPieces: async (remove = false) => {
    const offsets = [];
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('ferry-recordings', { create: true });
    for await (const dir of root.values()) {
      if (dir.kind !== 'directory') continue;
      for await (const name of dir.keys()) {
        if (!/^\d{16}$/.test(name)) continue;
        offsets.push(Number(name));
        if (remove) await dir.removeEntry(name);
      }
    }
    return offsets;
  },
  forget: (key) => forgetUpload(key),
  pause: (id) => uploads[id].pause(),
  resume: (id) => { uploads[id].start().catch(() => {}); },
};
window.ferryTest = api;
document.documentElement.dataset.ready = 'true';

// Test page for createUploadQueue (bundled by tests/react/harness.mjs, driven by
// tests/queue/queue.test.mjs through `window.harness`): makes in-memory files, runs one queue
// and records every event it emits. It checks nothing itself.
import { createUploadQueue } from 'ferry-upload';

const files = new Map();
let nextId = 1;
let queue = null;
let log = null;
const RUNNING = new Set(['creating', 'resuming', 'uploading', 'reconnecting', 'offline', 'locked']);
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

function itemView(item) {
  return {
    id: item.id, state: item.state, name: item.file.name, size: item.file.size,
    bytesConfirmed: item.progress.bytesConfirmed, percent: item.progress.percent,
    error: item.error && { kind: item.error.kind, code: item.error.code, status: item.error.status ?? null },
    result: item.result, url: item.upload.url,
  };
}

window.harness = {
  async makeFile(name, size) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
    const id = `f${nextId++}`;
    files.set(id, new File([bytes], name, { type: 'application/octet-stream', lastModified: Date.now() }));
    return { id, name, size, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)) };
  },
  create(options) {
    queue = createUploadQueue(options);
    log = { totals: [], itemProgress: 0, states: [], completed: [], errors: [], idle: 0, added: 0, maxActive: 0, startOrder: [], done: {} };
    queue.on('progress', (p) => log.totals.push({ bytesConfirmed: p.bytesConfirmed, bytesTotal: p.bytesTotal, percent: p.percent, files: p.files }));
    queue.on('item-progress', () => { log.itemProgress++; });
    queue.on('state', ({ item, state }) => {
      log.states.push([item.id, state]);
      if (RUNNING.has(state) && !log.startOrder.includes(item.id)) log.startOrder.push(item.id);
      const active = queue.items.filter((i) => RUNNING.has(i.state)).length;
      log.maxActive = Math.max(log.maxActive, active);
    });
    queue.on('completed', ({ item }) => log.completed.push(item.id));
    queue.on('error', ({ item, error }) => log.errors.push([item.id, error.code]));
    queue.on('idle', () => { log.idle++; });
    queue.on('added', (items) => { log.added += items.length; });
    return queue.concurrency;
  },
  add(ids, options) {
    const items = queue.add(ids.map((id) => files.get(id)), options);
    for (const item of items) {
      item.done.then(
        (r) => { log.done[item.id] = { ok: true, uploadUrl: r.uploadUrl }; },
        (e) => { log.done[item.id] = { ok: false, kind: e.kind, code: e.code }; },
      );
    }
    return items.map((i) => i.id);
  },
  /** Calls a queue method, or an item's when `itemId` is given; resolves to its outcome. */
  async call(method, itemId, ...args) {
    const target = itemId == null ? queue : queue.items.find((i) => i.id === itemId);
    try {
      const value = await target[method](...args);
      return { ok: true, value: value && typeof value === 'object' && 'files' in value ? value : null };
    } catch (e) {
      return { ok: false, error: { kind: e.kind, code: e.code } };
    }
  },
  snapshot() {
    const p = queue.progress;
    return { items: queue.items.map(itemView), progress: { bytesConfirmed: p.bytesConfirmed, bytesTotal: p.bytesTotal, percent: p.percent, files: p.files }, log };
  },
  /** Uploads the given files from a dedicated module Worker (worker.js); resolves to its report. */
  inWorker(ids) {
    const worker = new Worker(new URL('worker.js', location.href), { type: 'module' });
    return new Promise((resolve) => {
      worker.onmessage = ({ data }) => { worker.terminate(); resolve(data); };
      worker.onerror = (e) => { worker.terminate(); resolve({ ok: false, error: e.message || 'worker error' }); };
      worker.postMessage({ endpoint: new URL('/files/', location.href).href, files: ids.map((id) => files.get(id)) });
    });
  },
  badConcurrency(value) {
    try { createUploadQueue({ endpoint: '/files/', concurrency: value }); return null; } catch (e) { return { kind: e.kind, code: e.code }; }
  },
};

// Browser side of the benchmark (bench/browser.mjs drives it; recorder.js loads it, so it is
// part of the one test page). Uploads the file picked in #file with one of three clients and
// returns plain data: the time from the client's start to its success, every progress
// callback as { t, v } (ms since start, bytes), the upload URL, and the long tasks (> 50 ms,
// PerformanceObserver 'longtask') seen during the upload.
//   ferry          createUpload from /dist/index.js, 'progress' events (bytes confirmed)
//   tus-js-client  4.3.1, bundled by bench/page-root.mjs into ./tus-js-client.js (imported on
//                  first use); onProgress (bytes handed to the network) and onChunkComplete
//                  (bytes the server accepted)
//   fetch          one POST, then the whole file in one PATCH with fetch (or, with chunkSize,
//                  PATCHes of that size one after the other): no TUS client at all
// It changes no client defaults beyond the options it is given, and asserts nothing.
import { createUpload } from '/dist/index.js';

// Installed at load, so it sees every long task of the upload (entries before t0 are dropped).
const longTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch { /* longtask not supported: the list stays empty and bench reports it as unsupported */ }
const longTasksSupported = PerformanceObserver.supportedEntryTypes?.includes('longtask') ?? false;

const picked = () => {
  const file = document.getElementById('file').files[0];
  if (!file) throw new Error('no file picked');
  return file;
};

function finish(run, t0) {
  run.longTasks = longTasks.filter((e) => e.start >= t0).map((e) => ({ start: e.start - t0, duration: e.duration }));
  run.longTasksSupported = longTasksSupported;
  return run;
}

/** ferry with `options` (chunkSize, parallelUploads); everything else default. */
async function ferry({ endpoint, ...options }) {
  const file = picked();
  const progress = [];
  const states = [];
  const warnings = [];
  const up = createUpload({ endpoint, file, ...options });
  let t0 = 0;
  up.on('progress', ({ bytesConfirmed }) => progress.push({ t: performance.now() - t0, v: bytesConfirmed }));
  up.on('state', (s) => states.push(s));
  up.on('warning', (w) => warnings.push(w.code));
  t0 = performance.now();
  try {
    const result = await up.start();
    return finish({ ok: true, ms: performance.now() - t0, url: result.uploadUrl, size: file.size, progress, states, warnings }, t0);
  } catch (err) {
    return finish({ ok: false, error: `${err?.code ?? err?.name}: ${err?.message}`, progress, states, warnings }, t0);
  }
}

/** tus-js-client with `options` (chunkSize, parallelUploads); everything else default. */
async function tusjs({ endpoint, ...options }) {
  const { Upload: TusUpload } = await import('./tus-js-client.js');
  const file = picked();
  const progress = [];
  const chunks = [];
  let t0 = 0;
  return new Promise((resolve) => {
    const upload = new TusUpload(file, {
      endpoint: new URL(endpoint, location.href).href,
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      ...options,
      onProgress: (sent) => progress.push({ t: performance.now() - t0, v: sent }),
      onChunkComplete: (_size, accepted) => chunks.push({ t: performance.now() - t0, v: accepted }),
      onSuccess: () => resolve(finish({ ok: true, ms: performance.now() - t0, url: upload.url, size: file.size, progress, chunks }, t0)),
      onError: (err) => resolve(finish({ ok: false, error: String(err?.message ?? err), progress, chunks }, t0)),
    });
    t0 = performance.now();
    upload.start();
  });
}

/**
 * No TUS client: POST, then the file in PATCHes of `chunkSize` bytes (all of it in one PATCH
 * by default), each sent when the last was answered. One PATCH is the browser's own cost;
 * fixed chunks show what chunking itself costs the browser and the server, without ferry.
 */
async function fetchChunks({ endpoint, chunkSize = Infinity }) {
  const file = picked();
  const tus = { 'Tus-Resumable': '1.0.0' };
  const t0 = performance.now();
  const post = await fetch(endpoint, { method: 'POST', headers: { ...tus, 'Upload-Length': String(file.size) } });
  const url = new URL(post.headers.get('Location'), location.href).href;
  for (let at = 0; at < file.size; at += chunkSize) {
    const end = Math.min(at + chunkSize, file.size);
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: { ...tus, 'Upload-Offset': String(at), 'Content-Type': 'application/offset+octet-stream' },
      body: at === 0 && end === file.size ? file : file.slice(at, end),
    });
    if (patch.status !== 204) {
      return finish({ ok: false, error: `PATCH at ${at} answered ${patch.status}`, progress: [] }, t0);
    }
  }
  return finish({ ok: true, ms: performance.now() - t0, url, size: file.size, progress: [] }, t0);
}

window.bench = { ferry, tusjs, fetch: fetchChunks };

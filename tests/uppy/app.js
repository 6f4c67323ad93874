// The Uppy test page: @uppy/core with @uppy/dashboard from npm, uploading with ferry's plugin
// (ferry-upload/uppy, from the built package) or, for comparison, with @uppy/tus. The query
// string picks the uploader (`?uploader=ferry|tus`), the endpoint, a fixed `chunkSize`, Uppy's
// id (`store`, which names GoldenRetriever's storage) and whether GoldenRetriever is used
// (`&golden`). It records what Uppy reports in `window.harness.events`; the tests drive the
// Dashboard itself (its file input and buttons). It asserts nothing.
import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import GoldenRetriever from '@uppy/golden-retriever';
import Tus from '@uppy/tus';
import Ferry from 'ferry-upload/uppy';
import '@uppy/core/css/style.min.css';
import '@uppy/dashboard/css/style.min.css';

const params = new URLSearchParams(location.search);
const uploader = params.get('uploader') ?? 'ferry';
const endpoint = params.get('endpoint') ?? '/files/';
const chunkSize = params.has('chunkSize') ? Number(params.get('chunkSize')) : undefined;

const uppy = new Uppy({ id: params.get('store') ?? 'uppy-test' }); // GoldenRetriever's store name
uppy.use(Dashboard, { inline: true, target: '#uppy', height: 480, proudlyDisplayPoweredByUppy: false, showProgressDetails: true });
if (uploader === 'tus') uppy.use(Tus, { endpoint, ...(chunkSize ? { chunkSize } : {}) });
else uppy.use(Ferry, { endpoint, ...(chunkSize ? { chunkSize } : {}) });
if (params.has('golden')) uppy.use(GoldenRetriever);

const events = [];
const t = () => Math.round(performance.now());
const who = (file) => (file ? { id: file.id, name: file.name } : {});
uppy.on('upload-progress', (file, p) => events.push({ type: 'progress', ...who(file), bytes: p.bytesUploaded, total: p.bytesTotal, t: t() }));
uppy.on('upload-success', (file, res) => events.push({ type: 'success', ...who(file), url: res.uploadURL, t: t() }));
uppy.on('upload-error', (file, err) => events.push({ type: 'error', ...who(file), message: err?.message, code: err?.code, t: t() }));
uppy.on('upload-stalled', (err, files) => events.push({ type: 'stalled', message: err.message, names: files.map((f) => f.name), t: t() }));
uppy.on('upload-pause', (file, paused) => events.push({ type: 'pause', ...who(file), paused, t: t() }));
uppy.on('info-visible', () => events.push({ type: 'info', info: uppy.getState().info.map((i) => i.message), t: t() }));
uppy.on('complete', (r) => events.push({ type: 'complete', ok: r.successful.length, failed: r.failed.length, t: t() }));

window.harness = {
  uploader,
  events,
  uppy,
  /** What each file ended with: name -> { url, bytes, total, error }. */
  files() {
    return Object.fromEntries(uppy.getFiles().map((f) => [f.name, {
      url: f.response?.uploadURL ?? null,
      bytes: f.progress.bytesUploaded,
      total: f.progress.bytesTotal,
      complete: Boolean(f.progress.uploadComplete),
      error: f.error ?? null,
      paused: Boolean(f.isPaused),
    }]));
  },
};
document.documentElement.dataset.ready = 'true';

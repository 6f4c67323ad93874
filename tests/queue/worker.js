// Dedicated module Worker for tests/queue/queue.test.mjs: receives files from the page, uploads
// them with createUploadQueue (the package's API, wasm engine and IndexedDB sessions, all
// inside the Worker) and posts back how each ended. It checks nothing itself.
import { createUploadQueue, listResumableUploads } from 'ferry-upload';

self.onmessage = async ({ data }) => {
  try {
    const queue = createUploadQueue({ endpoint: data.endpoint, concurrency: 2, chunkSize: 256 * 1024, keepSession: true });
    let progressEvents = 0;
    queue.on('progress', () => { progressEvents++; });
    const items = queue.add(data.files);
    const idle = await queue.whenIdle();
    const sessions = await listResumableUploads();
    self.postMessage({
      ok: true,
      idle: { bytesConfirmed: idle.bytesConfirmed, bytesTotal: idle.bytesTotal, percent: idle.percent, files: idle.files },
      results: items.map((i) => ({ state: i.state, uploadUrl: i.result?.uploadUrl ?? null, error: i.error?.code ?? null })),
      progressEvents,
      sessions: sessions.length,
      hasWindow: typeof window !== 'undefined',
    });
  } catch (e) {
    self.postMessage({ ok: false, error: `${e?.code ?? ''} ${e?.message ?? e}` });
  }
};

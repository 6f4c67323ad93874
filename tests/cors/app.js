// Test page for tests/cors/cors.test.mjs (bundled by tests/react/harness.mjs): uploads a small
// in-memory file to the endpoint it is given and reports how the upload ended, with the
// reasons of any `reconnecting` events. It checks nothing itself.
import { createUpload } from 'ferry-upload';

window.harness = {
  async upload(endpoint, extra = {}) {
    const file = new File([new Uint8Array(300_000)], 'cors.bin');
    const reasons = [];
    const upload = createUpload({
      endpoint, file, chunkSize: 100_000, resume: false,
      retry: { baseDelay: 50, maxDelay: 200, budget: 2000 },
      headers: { Authorization: 'Bearer test' },
      ...extra,
    });
    upload.on('reconnecting', (r) => reasons.push(r.reason.code));
    try {
      await upload.start();
      return { ok: true, created: upload.url !== null, reasons: [...new Set(reasons)] };
    } catch (e) {
      return { ok: false, kind: e.kind, code: e.code, message: e.message, created: upload.url !== null, reasons: [...new Set(reasons)] };
    }
  },
};

// What ferry reports when a cross-origin TUS server's CORS configuration lacks a header (the
// table in the README's server guide), in headless Chromium and Firefox. The page is served
// from one origin; a small proxy on another port forwards to a real @tus/server and removes
// one CORS header per scenario (the path's first segment names it). Needs dist/ built. Only
// 127.0.0.1 is used; nothing in ferry is mocked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { PUPPETEER_ENGINES as BROWSERS } from '../support/browsers.mjs';
import { launch, openPage, servePage } from '../react/harness.mjs';

const without = (header, name) => (h) => {
  if (h[header]) h[header] = h[header].split(',').map((s) => s.trim()).filter((s) => s.toLowerCase() !== name.toLowerCase()).join(', ');
  return h;
};
const SCENARIOS = {
  complete: (h) => h,
  'no-allow-origin': (h) => { delete h['access-control-allow-origin']; return h; },
  'no-allow-authorization': without('access-control-allow-headers', 'Authorization'),
  'no-expose-location': without('access-control-expose-headers', 'Location'),
  'no-expose-upload-offset': without('access-control-expose-headers', 'Upload-Offset'),
  'no-allow-patch': without('access-control-allow-methods', 'PATCH'),
};

let served;
let proxy;
let base;
before(async () => {
  served = await servePage('tests/cors/app.js', { title: 'ferry cors tests' });
  const target = new URL(served.srv.url);
  proxy = http.createServer((req, res) => {
    const [, scenario, ...rest] = req.url.split('/');
    const edit = SCENARIOS[scenario];
    if (!edit) { res.writeHead(404).end(); return; }
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: `/${rest.join('/')}`, headers: req.headers }, (r) => {
      const headers = { ...r.headers };
      if (headers.location) headers.location = headers.location.replace('/files/', `/${scenario}/files/`);
      res.writeHead(r.statusCode, edit(headers));
      r.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${proxy.address().port}`;
});
after(async () => {
  if (proxy) await new Promise((resolve) => { proxy.close(resolve); proxy.closeAllConnections(); });
  await served?.close();
});

for (const name of BROWSERS) {
  describe(`CORS misconfiguration in ${name}`, { timeout: 120_000 }, () => {
    let browser;
    let page;
    before(async () => {
      browser = await launch(name);
      page = await openPage(browser, served.srv);
    });
    after(async () => { await browser?.close(); });
    const upload = (scenario, extra) => page.evaluate((e, x) => window.harness.upload(e, x), `${base}/${scenario}/files/`, extra);

    test('a complete configuration uploads (the proxy itself is sound)', async () => {
      const r = await upload('complete');
      assert.equal(r.ok, true, JSON.stringify(r));
    });

    test('no Access-Control-Allow-Origin: the creation fails with network_error and is not sent again', async () => {
      const r = await upload('no-allow-origin');
      assert.deepEqual([r.ok, r.kind, r.code, r.created], [false, 'network', 'network_error', false]);
      assert.match(r.message, /not sent again/);
    });

    test('Authorization not allowed: the preflight fails, network_error', async () => {
      const r = await upload('no-allow-authorization');
      assert.deepEqual([r.ok, r.kind, r.code, r.created], [false, 'network', 'network_error', false]);
    });

    test('Location not exposed: missing_location, and the message names CORS', async () => {
      const r = await upload('no-expose-location');
      assert.deepEqual([r.ok, r.kind, r.code], [false, 'protocol', 'missing_location']);
      assert.match(r.message, /Access-Control-Expose-Headers/);
    });

    test('Upload-Offset not exposed: missing_upload_offset, and the message names CORS', async () => {
      const r = await upload('no-expose-upload-offset');
      assert.deepEqual([r.ok, r.kind, r.code, r.created], [false, 'protocol', 'missing_upload_offset', true]);
      assert.match(r.message, /Access-Control-Expose-Headers/);
    });

    test('PATCH not allowed: created, then retried like an outage until retries_exhausted', async () => {
      const r = await upload('no-allow-patch');
      assert.deepEqual([r.ok, r.kind, r.code, r.created], [false, 'network', 'retries_exhausted', true]);
      assert.deepEqual(r.reasons, ['network_error']);
    });

    test('Idempotency-Key not allowed while idempotencyKey is on: retried until retries_exhausted', async () => {
      const r = await upload('complete', { idempotencyKey: true });
      assert.deepEqual([r.ok, r.kind, r.code, r.created], [false, 'network', 'retries_exhausted', false]);
      assert.deepEqual(r.reasons, ['network_error']);
    });
  });
}

// Where bytes and tokens go, in Chromium, Firefox and WebKit (tests/support/page-driver.mjs):
// the built package (dist/) against two real @tus/servers on two origins (tests/support/serve.mjs),
// files picked from disk. Per engine:
//  1. a file paused halfway on endpoint A, then sent to endpoint B, is a new upload on B
//     (a POST there, every byte there, byte-exact) while A's upload is left as it was and its
//     session is still listed; the same file sent to A again continues A's upload (no POST);
//  2. a creation answered with a Location on another origin fails at once with
//     `origin_not_allowed`: nothing reaches that origin, the `headers` function is never asked
//     about it, and no second creation is sent;
//  3. a PATCH answered with a 307 fails with `redirected`: the redirect is not followed, no
//     body is sent again, nothing reaches the redirect's target;
//  4. a PATCH the proxy accepts and never answers (a dead connection) is abandoned after the
//     measured-link floor (10 s), well before the 30 s first-request floor, and the upload
//     finishes byte-exact with one creation.
// Needs `node scripts/build.mjs` first. It mocks nothing, uses 127.0.0.1 only, and stops only
// the browsers, servers and proxies it starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { assertStored, entriesOf, removeStored } from '../support/checks.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { engines, launch } from '../support/page-driver.mjs';
import { listSessions, pickAndRun, startRun, until, untilDone } from '../support/recorder.mjs';
import { MiB, uploadId } from '../support/util.mjs';

const SIZE = 24 * MiB;
const CHUNK = MiB;
const TIMEOUT = 90_000;

let tmp;
let source;
let srvA;
let srvB;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-boundaries-'));
  source = await writeRandomFile(path.join(tmp, 'source.bin'), SIZE);
  srvA = await startServer({ port: 0, dataDir: path.join(tmp, 'a') });
  srvB = await startServer({ port: 0, dataDir: path.join(tmp, 'b') });
});

after(async () => {
  await srvA?.close();
  await srvB?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const tus = (srv) => srv.log; // the server logs its TUS requests only
const methods = (entries) => entries.map((e) => e.method).join(' ');

/** Runs one upload of `source` through a fresh proxy in front of server A. */
async function throughProxy(browser, arm, options) {
  const proxy = await startFaultProxy({ upstream: srvA.url });
  const page = await browser.open(`${proxy.url}test/`);
  try {
    arm(proxy);
    const run = await pickAndRun(page, source.path, { endpoint: '/files/', chunkSize: CHUNK, ...options }, { timeout: TIMEOUT - 10_000 });
    return { run, proxy, log: proxy.log.filter((e) => e.path.startsWith('/files')) };
  } finally {
    await page.close().catch(() => {});
    await proxy.close();
  }
}

for (const engine of engines()) {
  describe(`boundaries in ${engine}`, () => {
    let browser;
    before(async () => { browser = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('a session belongs to its endpoint: the same file sent elsewhere is a new upload there', { timeout: TIMEOUT }, async () => {
      const endpointA = `${srvA.url}files/`;
      const endpointB = `${srvB.url}files/`;
      const page = await browser.open(`${srvA.url}test/`);
      try {
        await page.pick(source.path);
        await startRun(page, 'a', { endpoint: endpointA, chunkSize: CHUNK, pauseAt: 4 * MiB });
        const a = await until(page, 'a', (r) => r.state === 'paused', 'upload A to pause');
        const idA = uploadId(a.url);
        const t0 = Date.now();
        await startRun(page, 'b', { endpoint: endpointB, chunkSize: CHUNK });
        const b = await untilDone(page, 'b', TIMEOUT - 20_000);
        assert.equal(b.ok, true, JSON.stringify(b.error));
        assert.ok(b.result.uploadUrl.startsWith(endpointB), `B's upload is on B: ${b.result.uploadUrl}`);
        const onB = tus(srvB).filter((e) => e.startedAt >= t0);
        assert.equal(onB.filter((e) => e.method === 'POST').length, 1, `B: ${methods(onB)}`);
        await assertStored(srvB, uploadId(b.result.uploadUrl), source);
        // (A PATCH cut short by the pause may still be logged now: it started before t0.)
        assert.deepEqual(methods(entriesOf(srvA, idA, t0)), '', 'nothing was sent to A meanwhile');
        const listed = await listSessions(page);
        const sessionA = listed.find((s) => s.uploadUrl === a.url);
        assert.ok(sessionA, `A's session is still listed: ${JSON.stringify(listed)}`);
        assert.equal(sessionA.endpoint, endpointA);
        assert.ok(sessionA.fingerprint && sessionA.key.startsWith(sessionA.fingerprint), JSON.stringify(sessionA));

        const postsA = tus(srvA).filter((e) => e.method === 'POST').length;
        await startRun(page, 'a2', { endpoint: endpointA, chunkSize: CHUNK });
        const a2 = await untilDone(page, 'a2', TIMEOUT - 20_000);
        assert.equal(a2.ok, true, JSON.stringify(a2.error));
        assert.equal(uploadId(a2.result.uploadUrl), idA, 'A continues its own upload');
        assert.equal(tus(srvA).filter((e) => e.method === 'POST').length, postsA, 'no second creation on A');
        await assertStored(srvA, idA, source);
        await removeStored(srvA, idA);
        await removeStored(srvB, uploadId(b.result.uploadUrl));
      } finally {
        await page.close().catch(() => {});
      }
    });

    test('a Location on another origin fails at once and nothing is sent there', { timeout: TIMEOUT }, async () => {
      const elsewhere = `${srvB.url}files/stolen`;
      const bBefore = srvB.log.length;
      const { run, log } = await throughProxy(browser, (proxy) => {
        proxy.inject({ method: 'POST', action: 'status', status: 201, headers: { Location: elsewhere } });
      });
      assert.equal(run.ok, false);
      assert.equal(run.error.code, 'origin_not_allowed', JSON.stringify(run.error));
      assert.equal(run.error.kind, 'protocol');
      assert.ok(run.error.message.includes(srvB.url.replace(/\/$/, '')) && run.error.message.includes('allowedOrigins'), run.error.message);
      assert.equal(srvB.log.length, bBefore, 'nothing reached the other origin');
      assert.deepEqual(run.requests.map((r) => r.method), ['POST'], 'headers() was asked about the POST only');
      assert.equal(methods(log), 'POST', 'one creation, nothing after it');
    });

    test('a redirect is not followed: redirected, no body sent again', { timeout: TIMEOUT }, async () => {
      const bBefore = srvB.log.length;
      const { run, log } = await throughProxy(browser, (proxy) => {
        proxy.inject({ method: 'PATCH', nth: 2, action: 'status', status: 307, headers: { Location: `${srvB.url}files/elsewhere` } });
      }, { retry: { baseDelay: 100, maxDelay: 500 } });
      assert.equal(run.ok, false);
      assert.equal(run.error.code, 'redirected', JSON.stringify(run.error));
      assert.ok(run.error.message.includes('endpoint'), run.error.message);
      assert.equal(srvB.log.length, bBefore, 'nothing reached the redirect target');
      assert.equal(methods(log), 'POST PATCH PATCH', 'the redirected PATCH is the last request');
      assert.deepEqual(run.reconnecting, [], 'a redirect is not retried as a network fault');
      await removeStored(srvA, uploadId(run.url));
    });

    test('a dead connection is found within the measured-link floor', { timeout: TIMEOUT }, async () => {
      const { run, log } = await throughProxy(browser, (proxy) => {
        proxy.inject({ method: 'PATCH', nth: 3, action: 'stall' });
      });
      assert.equal(run.ok, true, JSON.stringify(run.error));
      const stalled = log.find((e) => e.fault === 'stall');
      assert.ok(stalled, methods(log));
      const next = log.find((e) => e.seq > stalled.seq);
      assert.equal(next?.method, 'HEAD', 'the offset is re-learnt after the dead PATCH');
      const waited = next.startedAt - stalled.startedAt;
      // 10 s floor once measured; before this change it was 30 s. Wide bounds: a mechanism check.
      assert.ok(waited >= 9_000 && waited < 25_000, `abandoned after ${waited} ms`);
      assert.equal(run.reconnecting[0]?.reason?.code, 'stalled', JSON.stringify(run.reconnecting));
      assert.equal(log.filter((e) => e.method === 'POST').length, 1);
      await assertStored(srvA, uploadId(run.result.uploadUrl), source);
      await removeStored(srvA, uploadId(run.result.uploadUrl));
    });
  });
}

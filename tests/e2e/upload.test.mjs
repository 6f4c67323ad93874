// End-to-end tests: the built package (dist/) in headless Chromium and Firefox uploads files
// picked from disk through <input type=file> to a real @tus/server (scripts/serve.mjs), and
// the stored bytes, the server's request log and the page's progress events are compared.
// Needs `node scripts/build.mjs` first. It mocks nothing and uses only 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/serve.mjs';
import { BROWSERS, launch, openFixture, pickAndUpload, sha256File, uploadId, writeRandomFile } from './helpers.mjs';

const BIG = 256 * 1024 * 1024;
const CHUNK = 8 * 1024 * 1024;
const TIMEOUT = 180_000;

let srv;
let tmp;
const files = {}; // name -> { path, size, sha256 }

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-'));
  srv = await startServer({ port: 0 });
  for (const [name, size] of [['big.bin', BIG], ['empty.bin', 0]]) {
    const p = path.join(tmp, name);
    files[name] = { path: p, size, sha256: await writeRandomFile(p, size) };
  }
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** Offsets the server confirmed in finished 2xx answers; a created upload is at offset 0. */
function confirmedOffsets(entries) {
  const offsets = new Set();
  for (const e of entries) {
    if (!e.completed || e.status < 200 || e.status > 299) continue;
    if (e.responseOffset !== null) offsets.add(e.responseOffset);
    if (e.method === 'POST' && e.status === 201) offsets.add(0);
  }
  return offsets;
}

/** The server's log entries for one upload, once the server has confirmed `size` bytes. */
async function entriesFor(id, size, since) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const entries = srv.log.slice(since).filter((e) => e.id === id);
    if (confirmedOffsets(entries).has(size) || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Asserts a finished upload: stored bytes, one POST, progress only at server-confirmed offsets. */
async function assertUploaded(run, source, logStart) {
  assert.ok(run.ok, `upload failed: ${JSON.stringify(run.error)}`);
  assert.equal(run.result.bytesTotal, source.size);
  const id = uploadId(run.result.uploadUrl);
  const entries = await entriesFor(id, source.size, logStart);

  const posts = srv.log.slice(logStart).filter((e) => e.method === 'POST');
  assert.equal(posts.length, 1, `exactly one POST, got ${posts.length}`);
  assert.equal(posts[0].id, id, 'the POST created this upload');
  assert.equal(posts[0].uploadLength, source.size, 'Upload-Length is the file size');

  const stored = path.join(srv.dataDir, id);
  assert.equal((await fsp.stat(stored)).size, source.size, 'stored size');
  assert.equal(await sha256File(stored), source.sha256, 'stored SHA-256 equals the source');

  const confirmed = confirmedOffsets(entries);
  assert.ok(confirmed.has(source.size), 'the server confirmed the whole file');

  let previous = 0;
  for (const p of run.progress) {
    assert.equal(p.bytesTotal, source.size, 'bytesTotal');
    assert.ok(p.bytesConfirmed >= previous, `progress decreased: ${previous} -> ${p.bytesConfirmed}`);
    assert.ok(confirmed.has(p.bytesConfirmed), `progress ${p.bytesConfirmed} is not an offset the server confirmed`);
    previous = p.bytesConfirmed;
  }
  assert.ok(run.progress.length > 0, 'progress was reported');
  assert.equal(run.progress.at(-1).bytesConfirmed, source.size, 'progress ends at the file size');
  assert.equal(run.progress.at(-1).percent, 100);
  assert.equal(run.states.at(-1), 'completed');
  await fsp.rm(stored, { force: true }); // keep the disk free for the next upload
  return entries;
}

for (const name of BROWSERS) {
  describe(`uploads in ${name}`, () => {
    let browser;
    let page;

    before(async () => { browser = await launch(name); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('a 256 MiB file picked from disk arrives byte for byte', { timeout: TIMEOUT }, async () => {
      page = await openFixture(browser, srv);
      const logStart = srv.log.length;
      const run = await pickAndUpload(page, files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK });
      const entries = await assertUploaded(run, files['big.bin'], logStart);
      const patches = entries.filter((e) => e.method === 'PATCH');
      assert.equal(patches.length, BIG / CHUNK, 'one PATCH per chunk');
      assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), BIG, 'no byte sent twice');
      await page.close();
    });

    test('a zero-byte file completes', { timeout: TIMEOUT }, async () => {
      page = await openFixture(browser, srv);
      const logStart = srv.log.length;
      const run = await pickAndUpload(page, files['empty.bin'].path, { endpoint: '/files/' });
      await assertUploaded(run, files['empty.bin'], logStart);
      await page.close();
    });

    test('an endpoint that answers 404 rejects with FerryError kind "rejected"', { timeout: TIMEOUT }, async () => {
      page = await openFixture(browser, srv);
      const logStart = srv.log.length;
      const run = await pickAndUpload(page, files['big.bin'].path, { endpoint: '/nope/' });
      assert.equal(run.ok, false, 'start() must reject');
      assert.equal(run.error.isFerryError, true, `a FerryError: ${JSON.stringify(run.error)}`);
      assert.equal(run.error.kind, 'rejected');
      assert.equal(run.error.code, 'http_status');
      assert.equal(run.error.status, 404);
      assert.equal(run.states.at(-1), 'failed');
      assert.equal(srv.log.length, logStart, 'nothing reached the TUS server');
      await page.close();
    });

    test('pause, then start again, continues the same upload byte for byte', { timeout: TIMEOUT }, async () => {
      page = await openFixture(browser, srv);
      const logStart = srv.log.length;
      const run = await pickAndUpload(page, files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK, pauseAt: 1 });
      assert.ok(run.pausedAt > 0 && run.pausedAt < BIG, `paused mid-upload (at ${run.pausedAt})`);
      assert.equal(run.resumeCalls, 1, 'start() was called again once');
      const paused = run.states.indexOf('paused');
      assert.ok(paused > 0, `states: ${run.states.join(' ')}`);
      assert.ok(run.states.slice(paused).includes('uploading'), `uploads again after the pause: ${run.states.join(' ')}`);
      await assertUploaded(run, files['big.bin'], logStart);
      await page.close();
    });
  });
}

// End-to-end uploads in Chromium, Firefox and WebKit (tests/support/page-driver.mjs): the built
// package (dist/) in the test page uploads files picked from disk through <input type=file>
// to a real @tus/server (tests/support/serve.mjs), and the stored bytes, the server's request log,
// the page's progress events and its Blob reads are compared. Per engine:
//  - 256 MiB byte for byte, read only as Blob.slice chunks (never stream(), arrayBuffer(),
//    text() or bytes() on the file); a zero-byte file; a 404 endpoint; pause, then start again;
//  - a sparse file larger than 4 GiB (random bytes around the 4 GiB mark and at the end) sent
//    whole to a server whose datastore keeps only those ranges (tests/support/tail-store.mjs):
//    their SHA-256s, the final offset, and an unbroken chain of PATCH offsets across 2^32.
//    Firefox runs it over classic WebDriver (can.bigBodies: under BiDi it keeps every body).
// Needs `node scripts/build.mjs` first. It mocks nothing and uses only 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { assertMonotonic, assertStored, confirmedOffsets, entriesOf, removeStored, settled } from '../support/checks.mjs';
import { writeRandomFile, writeSparseFile } from '../support/files.mjs';
import { engines, launch } from '../support/page-driver.mjs';
import { startRun, untilDone } from '../support/recorder.mjs';
import { startTailServer } from '../support/tail-store.mjs';
import { GiB, MiB, uploadId } from '../support/util.mjs';

const BIG = 256 * MiB;
const CHUNK = 8 * MiB;
const TIMEOUT = 180_000;
const FOUR_GIB = 4 * GiB;
const SPARSE = FOUR_GIB + 80 * MiB + 123; // > 4 GiB and not a multiple of any chunk size
const AROUND_4GIB = [FOUR_GIB - MiB - 7, FOUR_GIB + MiB + 9]; // random bytes across 2^32
const MAX_CHUNK = 64 * MiB; // maxChunkSize of the sparse upload, so that its last chunk fits in TAIL
const TAIL = MAX_CHUNK + 77; // random bytes at the end, more than the largest chunk; after AROUND_4GIB

let srv;
let tmp;
const files = {}; // name -> { path, size, sha256 }

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-e2e-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
  for (const [name, size] of [['big.bin', BIG], ['empty.bin', 0]]) files[name] = await writeRandomFile(path.join(tmp, name), size);
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** Opens the test page, picks `file`, counts Blob reads of >= `min` bytes and uploads it. */
async function upload(driver, file, options, { min = 128 * MiB, base = srv.url, timeout = TIMEOUT - 10_000 } = {}) {
  const page = await driver.open(`${base}test/`);
  try {
    await page.pick(file);
    await page.evaluate((m) => window.ferryTest.countBlobReads(m), min);
    await startRun(page, 'u', options);
    const run = await untilDone(page, 'u', timeout);
    return { run, reads: await page.evaluate(() => window.ferryTest.blobReads) };
  } finally {
    await page.close();
  }
}

/** Asserts a finished upload: stored bytes, one POST, progress only at server-confirmed offsets. */
async function assertUploaded(run, source, logStart) {
  assert.ok(run.ok, `upload failed: ${JSON.stringify(run.error)}`);
  assert.equal(run.result.bytesTotal, source.size);
  const id = uploadId(run.result.uploadUrl);
  await settled(srv, id, source.size);
  const entries = entriesOf(srv, id, logStart);
  const posts = srv.log.filter((e) => e.startedAt >= logStart && e.method === 'POST');
  assert.equal(posts.length, 1, `exactly one POST, got ${posts.length}`);
  assert.equal(posts[0].id, id, 'the POST created this upload');
  assert.equal(posts[0].uploadLength, source.size, 'Upload-Length is the file size');
  await assertStored(srv, id, source);
  const confirmed = confirmedOffsets(entries);
  assert.ok(confirmed.has(source.size), 'the server confirmed the whole file');
  assert.ok(run.progress.length > 0, 'progress was reported');
  assertMonotonic(run, source.size, confirmed);
  assert.equal(run.progress.at(-1).percent, 100);
  assert.equal(run.states.at(-1), 'completed');
  await removeStored(srv, id); // keep the disk free for the next upload
  return entries;
}

for (const engine of engines()) {
  describe(`uploads in ${engine}`, () => {
    let driver;
    before(async () => { driver = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await driver?.close(); });

    test('a 256 MiB file picked from disk arrives byte for byte, read only as Blob.slice chunks', { timeout: TIMEOUT }, async () => {
      const logStart = Date.now();
      const { run, reads } = await upload(driver, files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK });
      const entries = await assertUploaded(run, files['big.bin'], logStart);
      const patches = entries.filter((e) => e.method === 'PATCH');
      assert.equal(patches.length, BIG / CHUNK, 'one PATCH per chunk');
      assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), BIG, 'no byte sent twice');
      assert.ok(reads.slice >= BIG / CHUNK, `one Blob.slice per chunk at least (${reads.slice})`);
      assert.equal(reads.maxSliceEnd, BIG, 'the last slice ends at the end of the file');
      assert.deepEqual(reads.whole, {}, 'the file was never read whole (stream, arrayBuffer, text, bytes)');
      console.log(`# ${driver.version}: 256 MiB in ${Math.round(run.ms)} ms`);
    });

    test('a zero-byte file completes', { timeout: TIMEOUT }, async () => {
      const logStart = Date.now();
      const { run } = await upload(driver, files['empty.bin'].path, { endpoint: '/files/' });
      await assertUploaded(run, files['empty.bin'], logStart);
    });

    test('an endpoint that answers 404 rejects with FerryError kind "rejected"', { timeout: TIMEOUT }, async () => {
      const logCount = srv.log.length;
      const { run } = await upload(driver, files['big.bin'].path, { endpoint: '/nope/' });
      assert.equal(run.ok, false, 'start() must reject');
      assert.equal(run.error.isFerryError, true, `a FerryError: ${JSON.stringify(run.error)}`);
      assert.equal(run.error.kind, 'rejected');
      assert.equal(run.error.code, 'http_status');
      assert.equal(run.error.status, 404);
      assert.equal(run.states.at(-1), 'failed');
      assert.equal(srv.log.length, logCount, 'nothing reached the TUS server');
    });

    test('pause, then start again, continues the same upload byte for byte', { timeout: TIMEOUT }, async () => {
      const logStart = Date.now();
      const { run } = await upload(driver, files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK, pauseAt: 1, resumeAfter: 300 });
      assert.ok(run.pausedAt > 0 && run.pausedAt < BIG, `paused mid-upload (at ${run.pausedAt})`);
      assert.equal(run.resumeCalls, 1, 'start() was called again once');
      const paused = run.states.indexOf('paused');
      assert.ok(paused > 0, `states: ${run.states.join(' ')}`);
      assert.ok(run.states.slice(paused).includes('uploading'), `uploads again after the pause: ${run.states.join(' ')}`);
      await assertUploaded(run, files['big.bin'], logStart);
    });

    test('a sparse file larger than 4 GiB: the bytes across 2^32 and of the last chunk arrive exactly, final offset = size', { timeout: 420_000 }, async () => {
      const file = path.join(tmp, 'sparse-4g.bin');
      const ranges = [AROUND_4GIB, [SPARSE - TAIL, SPARSE]];
      assert.ok(AROUND_4GIB[1] < SPARSE - TAIL, 'the random ranges do not overlap');
      const expected = await writeSparseFile(file, SPARSE, ranges);
      assert.equal((await fsp.stat(file)).size, SPARSE);
      const tail = await startTailServer({ watch: (size) => (size === SPARSE ? ranges : []) });
      const big = driver.can.bigBodies ? driver : await launch(engine, { protocol: 'webdriver' });
      try {
        const t0 = Date.now();
        // Automatic chunk sizes ('auto', the default) up to MAX_CHUNK, cross-origin to the tail server.
        const { run, reads } = await upload(big, file, { endpoint: tail.endpoint, maxChunkSize: MAX_CHUNK, track: false },
          { min: GiB, timeout: 400_000 });
        const ms = Date.now() - t0;
        assert.ok(run.ok, `the upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
        assert.equal(run.result.bytesTotal, SPARSE);
        assert.equal(run.progress.at(-1)?.bytesConfirmed, SPARSE, 'progress ends at the file size');

        const id = uploadId(run.result.uploadUrl);
        const held = tail.store.summary(id);
        assert.equal(held.size, SPARSE, 'Upload-Length');
        assert.equal(held.offset, SPARSE, 'the server\'s final offset is the file size');
        assert.deepEqual(held.ranges.map((r) => r.filled), ranges.map(([s, e]) => e - s), 'each watched byte arrived exactly once');
        assert.equal(held.ranges[0].sha256, expected[0], 'SHA-256 of the bytes across 2^32');
        assert.equal(held.ranges[1].sha256, expected[1], 'SHA-256 of the tail (the whole last chunk)');

        const patches = entriesOf(tail, id).filter((e) => e.method === 'PATCH');
        let offset = 0;
        for (const p of patches) {
          assert.equal(p.status, 204, `PATCH at ${p.requestOffset} answered ${p.status}`);
          assert.equal(p.requestOffset, offset, 'PATCHes form one chain');
          offset = p.responseOffset;
        }
        assert.equal(offset, SPARSE, 'the last PATCH answered Upload-Offset = size');
        const last = patches.at(-1);
        assert.ok(last.requestOffset >= SPARSE - TAIL, `the whole last chunk (from ${last.requestOffset}) lies in the hashed tail`);
        assert.ok(patches.some((p) => p.requestOffset >= FOUR_GIB), 'at least one PATCH starts beyond 2^32');
        assert.equal(reads.maxSliceEnd, SPARSE, 'the last Blob.slice ends at the end of the file');
        assert.deepEqual(reads.whole, {}, 'the file was never read whole (stream, arrayBuffer, text, bytes)');
        console.log(`# ${big.version}: ${SPARSE} bytes in ${patches.length} PATCHes, ${ms} ms (${Math.round(SPARSE / MiB / (ms / 1000))} MiB/s)`);
      } finally {
        if (big !== driver) await big.close();
        await tail.close();
        await fsp.rm(file, { force: true });
      }
    });
  });
}

// End-to-end uploads in WebKit (WebKitGTK's MiniBrowser, Safari's engine), driven over W3C
// WebDriver by tests/support/webdriver.mjs since puppeteer cannot drive WebKit. The built
// package (dist/) in the e2e fixture page uploads files picked from disk through
// <input type=file>:
//  - the same four cases as tests/e2e/upload.test.mjs (256 MiB byte for byte against a real
//    @tus/server with a FileStore, a zero-byte file, a 404 endpoint, pause then start again),
//    with the page's Blob reads counted: chunks are Blob.slice views, the file is never read
//    whole (no stream(), arrayBuffer(), text());
//  - a sparse file larger than 4 GiB (truncate, random bytes around the 4 GiB mark and at the
//    end) sent whole to a @tus/server whose datastore keeps only those ranges
//    (tests/support/tail-store.mjs): their SHA-256s, the final offset, and an unbroken chain of
//    PATCH offsets across 2^32 are checked;
//  - the SDK's sources and build never call Blob.stream() (a text check, any engine).
// Needs `node scripts/build.mjs` and setup.sh's WebKit packages. It mocks nothing in the SDK,
// uses 127.0.0.1 only, and stops only the driver, browser and servers it starts. It does not
// test resuming across tabs or launches (webkit/resume.test.mjs does).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../scripts/serve.mjs';
import { startTailServer } from '../../support/tail-store.mjs';
import { sha256File, writeRandomFile } from '../helpers.mjs';
import {
  MiB, blobReads, countBlobReads, launchWebKit, openFixture, pick, startRun, until, uploadId,
} from './helpers.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIG = 256 * MiB;
const CHUNK = 8 * MiB;
const TIMEOUT = 180_000;
const GiB = 1024 * MiB;
const FOUR_GIB = 4 * GiB;
const SPARSE = FOUR_GIB + 80 * MiB + 123; // > 4 GiB and not a multiple of any chunk size
const AROUND_4GIB = [FOUR_GIB - MiB - 7, FOUR_GIB + MiB + 9]; // random bytes across 2^32
const MAX_CHUNK = 64 * MiB; // maxChunkSize of the sparse upload, so that its last chunk fits in TAIL
const TAIL = MAX_CHUNK + 77; // random bytes at the end, more than the largest chunk; after AROUND_4GIB

let srv;
let tmp;
let webkit;
const files = {}; // name -> { path, size, sha256 }

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-webkit-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
  for (const [name, size] of [['big.bin', BIG], ['empty.bin', 0]]) {
    const p = path.join(tmp, name);
    files[name] = { path: p, size, sha256: await writeRandomFile(p, size) };
  }
  webkit = await launchWebKit();
}, { timeout: 120_000 });

after(async () => {
  await webkit?.close();
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

async function entriesFor(id, size, since) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const entries = srv.log.slice(since).filter((e) => e.id === id);
    if (confirmedOffsets(entries).has(size) || Date.now() > deadline) return entries;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** As in tests/e2e/upload.test.mjs: stored bytes, one POST, progress only at confirmed offsets. */
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
  await fsp.rm(stored, { force: true });
  await fsp.rm(`${stored}.json`, { force: true });
  return entries;
}

/** Opens tests/e2e/fixture/index.html, picks `file` and runs its harness's upload(options). */
async function pickAndUpload(file, options) {
  const { session } = webkit;
  await openFixture(session, `${srv.url}test/`);
  await pick(session, file);
  await countBlobReads(session, 128 * MiB);
  const run = await session.evaluate('window.ferryTest.upload(args[0])', options);
  return { run, reads: await blobReads(session) };
}

describe('uploads in webkit', () => {
  test('a 256 MiB file picked from disk arrives byte for byte, read only as Blob.slice chunks', { timeout: TIMEOUT }, async () => {
    const logStart = srv.log.length;
    const { run, reads } = await pickAndUpload(files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK });
    const entries = await assertUploaded(run, files['big.bin'], logStart);
    const patches = entries.filter((e) => e.method === 'PATCH');
    assert.equal(patches.length, BIG / CHUNK, 'one PATCH per chunk');
    assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), BIG, 'no byte sent twice');
    assert.ok(reads.slice >= BIG / CHUNK, `one Blob.slice per chunk at least (${reads.slice})`);
    assert.equal(reads.maxSliceEnd, BIG, 'the last slice ends at the end of the file');
    assert.deepEqual(reads.whole, {}, 'the file was never read whole (stream, arrayBuffer, text, bytes)');
    console.log(`# webkit ${webkit.version}: 256 MiB in ${Math.round(run.ms)} ms`);
  });

  test('a zero-byte file completes', { timeout: TIMEOUT }, async () => {
    const logStart = srv.log.length;
    const { run } = await pickAndUpload(files['empty.bin'].path, { endpoint: '/files/' });
    await assertUploaded(run, files['empty.bin'], logStart);
  });

  test('an endpoint that answers 404 rejects with FerryError kind "rejected"', { timeout: TIMEOUT }, async () => {
    const logStart = srv.log.length;
    const { run } = await pickAndUpload(files['big.bin'].path, { endpoint: '/nope/' });
    assert.equal(run.ok, false, 'start() must reject');
    assert.equal(run.error.isFerryError, true, `a FerryError: ${JSON.stringify(run.error)}`);
    assert.equal(run.error.kind, 'rejected');
    assert.equal(run.error.code, 'http_status');
    assert.equal(run.error.status, 404);
    assert.equal(run.states.at(-1), 'failed');
    assert.equal(srv.log.length, logStart, 'nothing reached the TUS server');
  });

  test('pause, then start again, continues the same upload byte for byte', { timeout: TIMEOUT }, async () => {
    const logStart = srv.log.length;
    const { run } = await pickAndUpload(files['big.bin'].path, { endpoint: '/files/', chunkSize: CHUNK, pauseAt: 1 });
    assert.ok(run.pausedAt > 0 && run.pausedAt < BIG, `paused mid-upload (at ${run.pausedAt})`);
    assert.equal(run.resumeCalls, 1, 'start() was called again once');
    const paused = run.states.indexOf('paused');
    assert.ok(paused > 0, `states: ${run.states.join(' ')}`);
    assert.ok(run.states.slice(paused).includes('uploading'), `uploads again after the pause: ${run.states.join(' ')}`);
    await assertUploaded(run, files['big.bin'], logStart);
  });

  test('a sparse file larger than 4 GiB: the bytes across 2^32 and of the last chunk arrive exactly, final offset = size', { timeout: 300_000 }, async () => {
    // The file: holes except random bytes around the 4 GiB mark and at the end.
    const file = path.join(tmp, 'sparse-4g.bin');
    execFileSync('truncate', ['-s', String(SPARSE), file]);
    const ranges = [AROUND_4GIB, [SPARSE - TAIL, SPARSE]];
    assert.ok(AROUND_4GIB[1] < SPARSE - TAIL, 'the random ranges do not overlap');
    const expected = [];
    const fh = await fsp.open(file, 'r+');
    for (const [start, end] of ranges) {
      const bytes = crypto.randomBytes(end - start);
      await fh.write(bytes, 0, bytes.length, start);
      expected.push(crypto.createHash('sha256').update(bytes).digest('hex'));
    }
    await fh.close();
    assert.equal((await fsp.stat(file)).size, SPARSE);

    const tail = await startTailServer({ watch: (size) => (size === SPARSE ? ranges : []) });
    try {
      const { session } = webkit;
      await openFixture(session, `${srv.url}test/resume.html`);
      await pick(session, file);
      await countBlobReads(session, 1 * GiB);
      const t0 = Date.now();
      // Automatic chunk sizes ('auto', the default) up to MAX_CHUNK, cross-origin to the tail server.
      await startRun(session, 'sparse', { endpoint: tail.endpoint, maxChunkSize: MAX_CHUNK });
      const run = await until(session, 'sparse', (r) => r.done, 'the > 4 GiB upload to finish', 280_000, 500);
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

      const patches = tail.log.filter((e) => e.id === id && e.method === 'PATCH').sort((a, b) => a.startedAt - b.startedAt);
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

      const reads = await blobReads(session);
      assert.equal(reads.maxSliceEnd, SPARSE, 'the last Blob.slice ends at the end of the file');
      assert.deepEqual(reads.whole, {}, 'the file was never read whole (stream, arrayBuffer, text, bytes)');
      console.log(`# webkit: ${SPARSE} bytes in ${patches.length} PATCHes, ${ms} ms (${Math.round(SPARSE / MiB / (ms / 1000))} MiB/s)`);
    } finally {
      await tail.close();
      await fsp.rm(file, { force: true });
    }
  });
});

test('the SDK never calls Blob.stream(): js/src, src and dist read files only with slice', () => {
  const hits = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|tsx|js|mjs|rs)$/.test(entry.name)) {
        fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          // `.stream(` in JS/TS, web-sys's `.stream()` binding or a `stream` import in Rust.
          if (/\.stream\s*\(|\bReadableStream\b|web_sys::ReadableStream/.test(line)) hits.push(`${path.relative(ROOT, p)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
  };
  for (const dir of ['js/src', 'src', 'dist']) walk(path.join(ROOT, dir));
  assert.deepEqual(hits, [], 'no Blob.stream() or ReadableStream anywhere in the SDK');
});

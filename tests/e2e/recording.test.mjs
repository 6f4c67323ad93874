// Uploads while recording, in Chromium, Firefox and WebKit (tests/support/page-driver.mjs): a real
// MediaRecorder on an animated canvas's captureStream() (tests/support/page/capture.js) is handed
// to createUpload() before it starts, against a real @tus/server (tests/support/serve.mjs), which offers
// creation-defer-length. Per engine:
//  - the upload runs while recording: PATCHes before recorder.stop(), one POST with
//    Upload-Defer-Length, Upload-Length only with the last PATCH, bytes on the server equal to the
//    concatenated recorder output, progress confirmed-only with bytesTotal null until the end;
//    the buffer holds only pieces the server has not confirmed (and the last), none at the end;
//  - a connection reset, a stall, a 503, a 423 (tests/support/fault-proxy.mjs) and, where the
//    engine can, 3 s offline while recording: still one upload, still byte-exact; the server
//    stopped and started again (2 s away) while recording: the same;
//  - source: 'push' with `buffer: 'indexeddb'` and `'memory'`, in every engine: byte-exact; where
//    the engine keeps no Blobs in IndexedDB, memory with a storage_unavailable warning;
//  - a tab closed before the upload was created (its POST unanswered): the next page lists the
//    recording from its buffer and resumeAll() creates the upload with its length;
//  - a tab closed after its first confirmed bytes left the buffer, the upload then deleted on the
//    server: the next page's resumeAll() fails at once with upload_gone, no POST;
//  - the stored pieces deleted under the page while they wait to be sent: the upload fails at
//    once with source_failed instead of retrying for its budget;
//  - forgetUpload() of recordings left by closed tabs (with a session and without) deletes
//    their pieces;
//  - a tab closed mid-recording, buffered in the origin-private file system (a MediaRecorder)
//    and in IndexedDB (push): the next page lists it (kind 'recording') and resumeAll()
//    finishes it from the durable buffer with what was recorded until then.
// What an engine cannot record is a capability (can.record, can.durableRecording) with its
// reason; the pinned test below checks the reason still holds. Needs `node scripts/build.mjs`
// first. It mocks nothing and uses only 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { getRun, setDelay, startRun, until, untilDone } from '../support/recorder.mjs';
import { KiB, sleep, uploadId } from '../support/util.mjs';

const TIMEOUT = 90_000;
const OPTIONS = { endpoint: '/files/', metadata: { filename: 'take.webm' }, minChunkSize: 16 * KiB, progressInterval: 10, retry: { baseDelay: 100, maxDelay: 1000 } };

let srv;
let tmp;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-recording-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

async function storedDigest(id) {
  const bytes = await fsp.readFile(path.join(srv.dataDir, id));
  return { size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') };
}

/** Asserts that upload `id` holds exactly `recorded` and was created once with a deferred length. */
async function assertRecorded(id, recorded) {
  const stored = await storedDigest(id);
  assert.deepEqual(stored, { size: recorded.size, sha256: recorded.sha256 }, 'the server holds the recorder output byte for byte');
  const posts = srv.log.filter((e) => e.method === 'POST' && e.id === id);
  assert.equal(posts.length, 1, 'one upload created');
  assert.equal(posts[0].uploadLength, null, 'created without Upload-Length (Upload-Defer-Length: 1)');
  const patches = srv.log.filter((e) => e.method === 'PATCH' && e.id === id && e.status >= 200 && e.status < 300);
  const declared = patches.filter((e) => e.uploadLength !== null);
  assert.equal(declared.length, 1, 'Upload-Length went with exactly one PATCH');
  assert.equal(declared[0].uploadLength, recorded.size);
  assert.equal(declared[0].responseOffset, recorded.size, 'the PATCH that declared the length carried the last byte');
  assert.ok(declared[0].bodyBytes > 0, 'Upload-Length never goes in an empty PATCH (rustus refuses one)');
  return patches;
}

function assertProgress(run, size) {
  let last = 0;
  for (const p of run.progress) {
    assert.ok(p.bytesConfirmed >= last, 'progress never decreased');
    last = p.bytesConfirmed;
    if (p.bytesTotal !== null) assert.equal(p.bytesTotal, size);
  }
  assert.equal(run.progress.at(-1).bytesConfirmed, size);
}

/** Records run 'c' in a page at `base` with `options` until `ready(page)` resolves, then closes the tab; returns what was recorded. */
async function recordThenClose(driver, base, options, ready) {
  const page = await driver.open(`${base}test/`);
  try {
    // Sessions left by a failed test before this one would be listed too.
    for (const { key } of await page.evaluate(() => window.ferryTest.list())) await page.evaluate((k) => window.ferryTest.forget(k), key);
    await startRun(page, 'c', { ...OPTIONS, ...options });
    await ready(page);
    const recorded = await page.evaluate(() => window.ferryTest.freezeCapture('c'));
    assert.ok(recorded.size > 0 && !(await getRun(page, 'c')).done, 'still recording when the tab closes');
    return recorded;
  } finally {
    await page.close();
  }
}

/**
 * Records run 'c' in a page at `base` with `options` until `ready(page)` resolves, closes the
 * tab, and on a new page finishes what is listed with resumeAll(). Returns the recorder's
 * output, the one session listed, and the resumed run (done, byte count checked).
 */
async function closeAndResume(driver, base, options, ready) {
  const recorded = await recordThenClose(driver, base, options, ready);
  const next = await driver.open(`${base}test/`);
  try {
    const listed = await next.evaluate(() => window.ferryTest.list());
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.equal(listed[0].bytesBuffered, recorded.size, 'the buffer holds everything the recorder delivered');
    const summary = await next.evaluate(() => window.ferryTest.resumeAll('again'));
    assert.deepEqual(summary, { recordings: 1, resumed: 0, needsFile: 0 }, `resumeAll(): ${JSON.stringify(summary)}`);
    const run = await untilDone(next, 'again', TIMEOUT - 30_000);
    assert.ok(run.ok, `the resumed upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
    assert.equal(run.result.bytesTotal, recorded.size);
    const left = await next.evaluate(() => window.ferryTest.list());
    assert.deepEqual(left, [], `the session and the buffer are gone once complete: ${JSON.stringify(left)}`);
    return { recorded, listed: listed[0], run };
  } finally {
    await next.close();
  }
}

for (const engine of engines()) {
  describe(`recording in ${engine}`, () => {
    let driver;
    before(async () => { driver = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await driver?.close(); });

    test('what this engine can record is what its capability says', async () => {
      const page = await driver.open(`${srv.url}test/`);
      try {
        const support = await page.evaluate(() => window.ferryTest.recordingSupport());
        assert.equal(support.ok, driver.can.record, `recordingSupport(): ${JSON.stringify(support)}; can.record: ${driver.why.record ?? true}`);
        if (!support.ok) assert.ok(driver.why.record.includes(support.why), `the reason still holds: ${support.why}`);
      } finally {
        await page.close();
      }
    });

    test('a MediaRecorder uploads while it records: byte-exact, one upload, the length with the last PATCH', needs(engine, 'record', { timeout: TIMEOUT }), async (t) => {
      const page = await driver.open(`${srv.url}test/`);
      try {
        await startRun(page, 'r', { ...OPTIONS, capture: { ms: 4000, timeslice: 250 } });
        // The buffer keeps only what the server has not confirmed (and the last piece).
        const held = [];
        while (!(await getRun(page, 'r')).capture.stoppedAt) {
          held.push((await page.evaluate(() => window.ferryTest.storedPieces())).length);
          await sleep(200);
        }
        const run = await untilDone(page, 'r', TIMEOUT - 10_000);
        assert.ok(run.ok, `the upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
        const recorded = await page.evaluate(() => window.ferryTest.captured('r'));
        const id = uploadId(run.result.uploadUrl);
        assert.equal(run.result.bytesTotal, recorded.size);
        const patches = await assertRecorded(id, recorded);
        const during = patches.filter((e) => e.startedAt < run.capture.stoppedAtMs);
        assert.ok(during.length >= 2, `PATCHes went while recording (${during.length} of ${patches.length})`);
        const beforeEnd = run.progress.filter((p) => p.bytesTotal === null);
        assert.ok(beforeEnd.length >= 1 && beforeEnd.every((p) => p.percent === null), 'bytesTotal and percent are null until the end');
        assertProgress(run, recorded.size);
        assert.deepEqual(run.states.filter((s) => s !== 'uploading').slice(-1), ['completed']);
        assert.ok(held.length > 0, 'the buffer was looked at while recording');
        assert.ok(Math.max(...held) <= recorded.pieces / 2, `pieces leave the buffer once confirmed: held ${held.join(' ')} of ${recorded.pieces}`);
        assert.deepEqual(await page.evaluate(() => window.ferryTest.storedPieces()), [], 'nothing is left once complete');
        const finishMs = run.ms - run.capture.stoppedAt;
        t.diagnostic(`${recorded.pieces} pieces, ${recorded.size} bytes, ${patches.length} PATCHes; stop to done: ${Math.round(finishMs)} ms`);
        assert.deepEqual(await page.evaluate(() => window.ferryTest.list()), [], 'nothing left to resume');
      } finally {
        await page.close();
      }
    });

    test('a reset, a stall, a 503, a 423 and (where the engine can) 3 s offline while recording: still one upload, byte-exact', needs(engine, 'record', { timeout: TIMEOUT }), async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      const page = await driver.open(`${proxy.url}test/`);
      try {
        proxy.inject({ method: 'PATCH', nth: 2, action: 'reset', afterBytes: 1024 });
        proxy.inject({ method: 'PATCH', nth: 5, action: 'stall' });
        proxy.inject({ method: 'PATCH', nth: 8, action: 'status', status: 503 });
        proxy.inject({ method: 'PATCH', nth: 11, action: 'status', status: 423 });
        await startRun(page, 'f', { ...OPTIONS, stallTimeout: 1500, capture: { ms: 8000, timeslice: 250 } });
        if (driver.can.offline) {
          await until(page, 'f', (r) => r.confirmed > 0 && r.states.includes('reconnecting'), 'the first faults', 30_000);
          await page.setOffline(true);
          await sleep(3000);
          await page.setOffline(false);
        }
        const run = await untilDone(page, 'f', TIMEOUT - 10_000);
        assert.ok(run.ok, `the upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
        assert.ok(run.states.includes('reconnecting'), `the faults showed: ${run.states.join(' ')}`);
        if (driver.can.offline) assert.ok(run.states.includes('offline'), `offline showed: ${run.states.join(' ')}`);
        const faults = proxy.log.filter((e) => e.fault).map((e) => e.fault.split(' ')[0]);
        for (const f of ['reset', 'stall', 'status']) assert.ok(faults.includes(f), `${f} fired: ${faults}`);
        assert.ok(run.capture.stoppedAtMs > proxy.log.find((e) => e.fault?.startsWith('status 423'))?.startedAt, 'the faults came while recording');
        const recorded = await page.evaluate(() => window.ferryTest.captured('f'));
        await assertRecorded(uploadId(run.result.uploadUrl), recorded);
        assertProgress(run, recorded.size);
      } finally {
        await page.close();
        await proxy.close();
      }
    });

    test('the server restarted while recording (2 s away): still one upload, byte-exact', needs(engine, 'record', { timeout: TIMEOUT }), async () => {
      const dataDir = path.join(tmp, `restart-${engine}`);
      let server = await startServer({ port: 0, dataDir });
      const { port } = server;
      const logs = [server.log];
      const proxy = await startFaultProxy({ upstream: server.url });
      const page = await driver.open(`${proxy.url}test/`);
      try {
        await startRun(page, 's', { ...OPTIONS, capture: { ms: 8000, timeslice: 250 } });
        await until(page, 's', (r) => r.confirmed > 0, 'confirmed bytes', 30_000);
        await server.close();
        await sleep(2000);
        server = await startServer({ port, dataDir });
        logs.push(server.log);
        const run = await untilDone(page, 's', TIMEOUT - 20_000);
        assert.ok(run.ok, `the upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
        assert.ok(run.states.includes('reconnecting'), `the restart showed: ${run.states.join(' ')}`);
        assert.ok(run.capture.stoppedAtMs > logs[1][0]?.startedAt, 'the server was back before the recording ended');
        const recorded = await page.evaluate(() => window.ferryTest.captured('s'));
        const id = uploadId(run.result.uploadUrl);
        const bytes = await fsp.readFile(path.join(dataDir, id));
        assert.deepEqual({ size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex') }, { size: recorded.size, sha256: recorded.sha256 }, 'byte-exact');
        assert.equal(logs.flat().filter((e) => e.method === 'POST').length, 1, 'one upload created');
      } finally {
        await page.close();
        await proxy.close();
        await server.close();
      }
    });

    test("source: 'push' buffered in IndexedDB and in memory, an IndexedDB connection closed under the page meanwhile: byte-exact, one upload; IndexedDB falls back to memory, saying so, only where the engine keeps no Blobs there", { timeout: TIMEOUT }, async () => {
      const page = await driver.open(`${srv.url}test/`);
      try {
        for (const buffer of ['indexeddb', 'memory']) {
          await startRun(page, buffer, { ...OPTIONS, buffer, capture: { push: 48 * KiB, ms: 2000, timeslice: 100 } });
          // The browser closes an IndexedDB connection under the page: opened again, no fallback.
          await until(page, buffer, (r) => r.confirmed > 0, 'confirmed bytes', 30_000);
          await page.evaluate(() => window.ferryTest.closeNextIdbConnection());
          const run = await untilDone(page, buffer, 30_000);
          assert.ok(run.ok, `${buffer}: the upload failed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
          const recorded = await page.evaluate((id) => window.ferryTest.captured(id), buffer);
          await assertRecorded(uploadId(run.result.uploadUrl), recorded);
          assertProgress(run, recorded.size);
          const warned = run.events.filter((e) => e.type === 'warning').map((e) => e.payload.code);
          const fallback = buffer === 'indexeddb' && !driver.can.blobInIndexedDB;
          assert.deepEqual(warned, fallback ? ['storage_unavailable'] : [], `${buffer}: ${JSON.stringify(run.events)}`);
        }
      } finally {
        await page.close();
      }
    });

    test('a tab closed before its upload was created: the next page lists the recording and resumeAll() creates and finishes it', needs(engine, 'durableRecording', { timeout: TIMEOUT }), async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      proxy.inject({ method: 'POST', nth: 1, action: 'stall' });
      try {
        const { recorded, listed, run } = await closeAndResume(driver, proxy.url, { capture: { push: 32 * KiB, ms: 60_000, timeslice: 200 } }, async (page) => {
          await sleep(1500);
          const before = await getRun(page, 'c');
          assert.deepEqual([before.created.length, before.state], [0, 'creating'], 'the POST is still unanswered when the tab closes');
        });
        assert.deepEqual(
          [listed.kind, listed.uploadUrl, listed.bytesConfirmed, listed.name, listed.endpoint],
          ['recording', '', 0, OPTIONS.metadata.filename, `${proxy.url}files/`],
          'listed from its buffer alone, with where it goes',
        );
        const id = uploadId(run.result.uploadUrl);
        assert.deepEqual(await storedDigest(id), { size: recorded.size, sha256: recorded.sha256 }, 'byte-exact');
        const post = srv.log.find((e) => e.method === 'POST' && e.id === id);
        assert.equal(post?.uploadLength, recorded.size, 'created with the length it ended at');
      } finally {
        await proxy.close();
      }
    });

    test('two tabs call resumeAll() at once on a recording left without an upload: one upload is created', needs(engine, 'durableRecording', { timeout: TIMEOUT }), async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      proxy.inject({ method: 'POST', nth: 1, action: 'stall' });
      const logStart = Date.now();
      const tabs = [];
      try {
        const recorded = await recordThenClose(driver, proxy.url, { capture: { push: 32 * KiB, ms: 60_000, timeslice: 200 } }, () => sleep(1500));
        for (let i = 0; i < 2; i++) tabs.push(await driver.open(`${proxy.url}test/`));
        const summaries = await Promise.all(tabs.map((tab, i) => tab.evaluate((id) => window.ferryTest.resumeAll(id), `again${i}`)));
        const runs = [];
        for (const [i, tab] of tabs.entries()) {
          if (summaries[i].recordings) runs.push(await untilDone(tab, `again${i}`, TIMEOUT - 30_000));
        }
        assert.ok(runs.length >= 1, `a tab continued the recording: ${JSON.stringify(summaries)}`);
        for (const run of runs) assert.ok(run.ok, `${JSON.stringify(run.error)} ${run.states.join(' ')}`);
        const posts = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
        assert.equal(posts.length, 1, `one upload created: ${posts.length} POSTs (${JSON.stringify(summaries)})`);
        assert.ok(runs.every((run) => uploadId(run.result.uploadUrl) === posts[0].id), 'every tab ended on it');
        assert.deepEqual(await storedDigest(posts[0].id), { size: recorded.size, sha256: recorded.sha256 }, 'byte-exact');
        assert.deepEqual(await tabs[0].evaluate(() => window.ferryTest.list()), [], 'nothing is left listed');
      } finally {
        for (const tab of tabs) await tab.close().catch(() => {});
        await proxy.close();
      }
    });

    test('a tab closed after its first bytes left the buffer, then the server lost the upload: resumeAll() fails at once with upload_gone and creates nothing', needs(engine, 'durableRecording', { timeout: TIMEOUT }), async () => {
      await recordThenClose(driver, srv.url, { capture: { push: 32 * KiB, ms: 60_000, timeslice: 200 } }, async (page) => {
        await until(page, 'c', (r) => r.confirmed > 128 * KiB, 'confirmed bytes', 30_000);
        // The confirmed pieces leave the stored buffer: it no longer begins at byte 0.
        for (const deadline = Date.now() + 10_000; (await page.evaluate(() => window.ferryTest.storedPieces())).includes(0);) {
          assert.ok(Date.now() < deadline, 'the first piece left the buffer');
          await sleep(50);
        }
      });
      const next = await driver.open(`${srv.url}test/`);
      try {
        const [listed] = await next.evaluate(() => window.ferryTest.list());
        assert.ok(listed?.bytesConfirmed > 0, `stored with confirmed bytes: ${JSON.stringify(listed)}`);
        const gone = await fetch(listed.uploadUrl, { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } });
        assert.equal(gone.status, 204, 'the server deleted the upload');
        const posts = srv.log.filter((e) => e.method === 'POST').length;
        await next.evaluate(() => window.ferryTest.resumeAll('again'));
        // The buffer no longer holds the confirmed bytes: starting over would ask it for them.
        const run = await untilDone(next, 'again', 20_000);
        assert.equal(run.ok, false, 'nothing to finish');
        assert.equal(run.error?.code, 'upload_gone', JSON.stringify(run.error));
        assert.match(run.error.message, /released/);
        assert.equal(srv.log.filter((e) => e.method === 'POST').length, posts, 'no upload created');
      } finally {
        await next.close();
      }
    });

    test("the recording's stored pieces deleted under the page (its data cleared): the upload fails at once with source_failed", needs(engine, 'durableRecording', { timeout: TIMEOUT }), async () => {
      const page = await driver.open(`${srv.url}test/`);
      try {
        // Each request waits 1 s in the app's headers function: the upload lags the recording.
        await setDelay(page, 1000);
        await startRun(page, 'g', { ...OPTIONS, capture: { push: 32 * KiB, ms: 60_000, timeslice: 100 } });
        await until(page, 'g', (r) => r.confirmed > 0, 'confirmed bytes', 30_000);
        await page.evaluate(() => window.ferryTest.freezeCapture('g'));
        const gone = await page.evaluate(() => window.ferryTest.storedPieces(true));
        assert.ok(gone.length >= 2, `pieces were waiting to be sent: ${gone}`);
        const run = await untilDone(page, 'g', 20_000);
        assert.equal(run.ok, false, 'the bytes are gone: nothing can finish it');
        assert.deepEqual([run.error?.kind, run.error?.code], ['storage', 'source_failed'], JSON.stringify(run.error));
        assert.match(run.error.message, /^the recording's buffered bytes are gone/);
      } finally {
        await setDelay(page, 0).catch(() => {});
        await page.close();
      }
    });

    test('forgetUpload() deletes a recording left by a closed tab, with a session or without one', needs(engine, 'durableRecording', { timeout: TIMEOUT }), async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      try {
        const push = { capture: { push: 32 * KiB, ms: 60_000, timeslice: 200 } };
        await recordThenClose(driver, proxy.url, push, (page) => until(page, 'c', (r) => r.confirmed > 0, 'confirmed bytes', 30_000));
        proxy.inject({ method: 'POST', nth: 1, action: 'stall' });
        const page = await driver.open(`${proxy.url}test/`);
        try {
          await startRun(page, 'o', { ...OPTIONS, ...push });
          await sleep(1000);
          await page.evaluate(() => window.ferryTest.freezeCapture('o'));
        } finally {
          await page.close();
        }
        const next = await driver.open(`${proxy.url}test/`);
        try {
          const listed = await next.evaluate(() => window.ferryTest.list());
          assert.deepEqual(listed.map((r) => [r.kind, r.uploadUrl === '']).sort(), [['recording', false], ['recording', true]], JSON.stringify(listed));
          assert.ok((await next.evaluate(() => window.ferryTest.storedPieces())).length >= 2);
          for (const { key } of listed) await next.evaluate((k) => window.ferryTest.forget(k), key);
          assert.deepEqual(await next.evaluate(() => window.ferryTest.list()), [], 'nothing is listed');
          assert.deepEqual(await next.evaluate(() => window.ferryTest.storedPieces()), [], 'no piece is left');
        } finally {
          await next.close();
        }
      } finally {
        await proxy.close();
      }
    });

    const closes = [
      { store: 'the origin-private file system', cap: 'durableRecording', options: { capture: { ms: 60_000, timeslice: 250 } } },
      { store: 'IndexedDB', cap: 'blobInIndexedDB', options: { buffer: 'indexeddb', capture: { push: 32 * KiB, ms: 60_000, timeslice: 200 } } },
    ];
    for (const { store, cap, options } of closes) test(`a tab closed while recording into ${store} is listed and finished by resumeAll() on the next page`, needs(engine, cap, { timeout: TIMEOUT }), async () => {
      const { recorded, listed, run } = await closeAndResume(driver, srv.url, options, (page) => until(page, 'c', (r) => r.confirmed > 0, 'confirmed bytes', 30_000));
      assert.deepEqual([listed.kind, listed.name], ['recording', OPTIONS.metadata.filename], 'a recording is named by its filename metadata');
      await assertRecorded(uploadId(run.result.uploadUrl), recorded);
    });
  });
}

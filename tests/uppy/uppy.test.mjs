// ferry's Uppy plugin in a real page: @uppy/core and @uppy/dashboard from npm (tests/uppy/app.js,
// bundled with esbuild against the built package), a real @tus/server behind the fault proxy,
// driven through the Dashboard's own file input and buttons in every engine. Each scenario
// runs with ferry-upload/uppy (asserted) and then with @uppy/tus (recorded for comparison in
// test-output/uppy-comparison.json and BENCHMARKS.md, never asserted): uploads created and
// bytes sent per byte of file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { serveBundle } from '../support/bundle.mjs';
import { assertMonotonic, assertStored, confirmedOffsets, entriesOf, settled as serverSettled } from '../support/checks.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { MiB, ROOT, sleep, uploadId } from '../support/util.mjs';

const CHUNK = 1 * MiB;
const comparison = [];

/** The Dashboard's buttons, by what they do. */
const BUTTON = {
  upload: '.uppy-StatusBar-actionBtn--upload',
  pauseResume: '[data-cy="togglePauseResume"]',
  retry: '[data-cy="retry"]',
  cancel: '[data-cy="cancel"]',
};

function click(selector) {
  const el = document.querySelector(selector);
  if (!el) return false;
  el.click();
  return true;
}

let page = null; // the served bundle
let tmp;
let srv;
let proxy;
let files;

before(async () => {
  page = await serveBundle('tests/uppy/app.js', { title: 'ferry + Uppy', body: '<div id="uppy"></div>' });
  ({ srv, tmp } = page);
  proxy = await startFaultProxy({ upstream: srv.url });
  files = {
    a: await writeRandomFile(path.join(tmp, 'a.bin'), 3 * MiB + 17),
    b: await writeRandomFile(path.join(tmp, 'b.bin'), 5 * MiB + 3),
    big: await writeRandomFile(path.join(tmp, 'big.bin'), 24 * MiB + 5),
  };
});

after(async () => {
  await proxy?.close();
  await page?.close();
  if (comparison.length) {
    await fsp.mkdir(path.join(ROOT, 'test-output'), { recursive: true });
    await fsp.writeFile(path.join(ROOT, 'test-output', 'uppy-comparison.json'), `${JSON.stringify(comparison, null, 2)}\n`);
    console.log(renderComparison(comparison));
  }
});

let opens = 0;

/**
 * Opens the page with `uploader` ('ferry' or 'tus'), GoldenRetriever if `golden`, with a store
 * of its own for Uppy's state, and no ferry or tus-js-client session left from an earlier page.
 */
async function open(driver, uploader, { golden = false } = {}) {
  const p = await driver.open(`${proxy.url}?uploader=${uploader}&chunkSize=${CHUNK}&store=s${++opens}${golden ? '&golden' : ''}`);
  await p.evaluate(() => new Promise((resolve) => {
    localStorage.clear(); // tus-js-client's stored upload URLs
    const req = indexedDB.deleteDatabase('ferry-upload'); // not opened before the first upload
    req.onsuccess = req.onerror = req.onblocked = () => resolve();
  }));
  return p;
}

/** Adds `list` through the Dashboard's file input and presses its Upload button. */
async function addAndUpload(p, list) {
  await p.setFiles('.uppy-Dashboard-input', list.map((f) => f.path));
  await p.waitFor((n) => window.harness.uppy.getFiles().length === n, { timeout: 10_000 }, list.length);
  await p.waitFor(click, { timeout: 10_000 }, BUTTON.upload);
}

/**
 * Waits until every file in the page completed or failed; resolves to harness.files(), each
 * with the progress Uppy was given for it (`{ bytesConfirmed, bytesTotal }` in order).
 */
async function settled(p, timeout = 60_000) {
  const files = await p.waitFor(() => {
    const all = Object.values(window.harness.files());
    return all.length > 0 && all.every((f) => f.complete || f.error) && window.harness.files();
  }, { timeout, polling: 100 });
  const events = await p.evaluate(() => window.harness.events.filter((e) => e.type === 'progress'));
  for (const [name, f] of Object.entries(files)) {
    f.progress = events.filter((e) => e.name === name).map((e) => ({ bytesConfirmed: e.bytes, bytesTotal: e.total }));
  }
  return files;
}

/** What one scenario cost: uploads created and PATCH bytes per byte of file. */
function cost(since, size) {
  const log = proxy.log.slice(since);
  return {
    posts: log.filter((e) => e.method === 'POST' && e.reached).length,
    bytesPerByte: log.filter((e) => e.method === 'PATCH').reduce((n, e) => n + (e.bytesForwarded ?? 0), 0) / size,
  };
}

/**
 * The file is stored byte-exact, and every progress value Uppy showed for it is an offset the
 * server confirmed, never decreasing, ending at the size.
 */
async function assertUploaded(result, file) {
  assert.ok(result?.complete, `${path.basename(file.path)} completed`);
  assert.ok(result.url, `${path.basename(file.path)} has an uploadURL`);
  const id = uploadId(result.url);
  await serverSettled(srv, id, file.size);
  await assertStored(srv, id, file);
  assertMonotonic({ progress: result.progress }, file.size, confirmedOffsets(entriesOf(srv, id)));
}

/** Runs `scenario` with @uppy/tus for the comparison table; never fails the test. */
async function compareWithTus(driver, name, scenario, size) {
  const since = proxy.log.length;
  let finished = false;
  try {
    finished = Boolean(await scenario(driver, 'tus'));
  } catch (err) {
    finished = `no (${err.message.split('\n')[0]})`;
  } finally {
    proxy.clearFaults();
  }
  comparison.push({ engine: driver.engine, scenario: name, uploader: '@uppy/tus', ...cost(since, size), finished });
}

function record(driver, name, since, size) {
  comparison.push({ engine: driver.engine, scenario: name, uploader: 'ferry-upload/uppy', ...cost(since, size), finished: true });
}

// --- scenarios: each takes (driver, uploader), uploads, and resolves to whether it finished.

async function twoFiles(driver, uploader) {
  const p = await open(driver, uploader);
  try {
    await addAndUpload(p, [files.a, files.b]);
    const done = await settled(p);
    return Object.values(done).every((f) => f.complete) && done;
  } finally {
    await p.close();
  }
}

async function resetMidPatch(driver, uploader) {
  proxy.inject({ method: 'PATCH', nth: 3, action: 'reset', afterBytes: 256 * 1024 });
  const p = await open(driver, uploader);
  try {
    await addAndUpload(p, [files.big]);
    const done = await settled(p, 90_000);
    return done['big.bin'].complete && done;
  } finally {
    await p.close();
  }
}

async function head503(driver, uploader) {
  proxy.inject({ method: 'PATCH', nth: 3, action: 'reset', afterBytes: 256 * 1024 });
  proxy.inject({ method: 'HEAD', action: 'status', status: 503, times: 2 });
  const p = await open(driver, uploader);
  try {
    await addAndUpload(p, [files.big]);
    const done = await settled(p, 90_000);
    return done['big.bin'].complete && done;
  } finally {
    await p.close();
  }
}

async function reloadAndAddAgain(driver, uploader) {
  // The 9th PATCH is never answered, so the page is mid-upload (8 MiB confirmed) when it reloads.
  const stall = proxy.inject({ method: 'PATCH', nth: 9, action: 'stall' });
  const p = await open(driver, uploader);
  try {
    await addAndUpload(p, [files.big]);
    await waitUntil(() => stall.fired > 0, 30_000);
    await sleep(300); // the confirmed offset reaches the session store
    proxy.clearFaults();
    await p.reload();
    await addAndUpload(p, [files.big]);
    const done = await settled(p, 90_000);
    return done['big.bin'].complete && done;
  } finally {
    await p.close();
  }
}

async function goldenReload(driver, uploader) {
  // GoldenRetriever keeps files up to 10 MiB with their bytes; the 4th PATCH is never answered.
  const stall = proxy.inject({ method: 'PATCH', nth: 4, action: 'stall' });
  const p = await open(driver, uploader, { golden: true });
  try {
    await addAndUpload(p, [files.b]);
    await waitUntil(() => stall.fired > 0, 30_000);
    await sleep(300);
    proxy.clearFaults();
    await p.reload();
    await p.waitFor(() => Boolean(window.harness.uppy.getState().recoveredState), { timeout: 10_000 });
    // The Dashboard's Upload button confirms the restore; GoldenRetriever then resumes the upload.
    await p.waitFor(click, { timeout: 10_000 }, BUTTON.upload);
    const done = await settled(p, 90_000);
    return done['b.bin'].complete && done;
  } finally {
    await p.close();
  }
}

async function waitUntil(fn, timeout) {
  const deadline = Date.now() + timeout;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

for (const engine of engines()) {
  describe(`Uppy with ferry-upload/uppy (${engine})`, () => {
    let driver;
    before(async () => { driver = await launch(engine); });
    after(async () => { await driver?.close(); });

    test('two files added through the Dashboard upload byte-exact, progress confirmed and never backwards', async () => {
      const since = proxy.log.length;
      const done = await twoFiles(driver, 'ferry');
      assert.ok(done, 'both files completed');
      for (const f of [files.a, files.b]) await assertUploaded(done[path.basename(f.path)], f);
      assert.equal(cost(since, 1).posts, 2, 'one upload created per file');
      record(driver, 'two files', since, files.a.size + files.b.size);
      await compareWithTus(driver, 'two files', twoFiles, files.a.size + files.b.size);
    });

    test('pause and resume from the Dashboard: nothing is sent while paused, the file completes byte-exact', async () => {
      const since = proxy.log.length;
      const stall = proxy.inject({ method: 'PATCH', nth: 4, action: 'stall', durationMs: 5_000 });
      const p = await open(driver, 'ferry');
      try {
        await addAndUpload(p, [files.big]);
        await waitUntil(() => stall.fired > 0, 30_000);
        await p.waitFor(click, { timeout: 10_000 }, BUTTON.pauseResume);
        await p.waitFor(() => window.harness.files()['big.bin'].paused, { timeout: 10_000 });
        const patchesWhilePaused = proxy.log.length;
        await sleep(1_000);
        const sentWhilePaused = proxy.log.slice(patchesWhilePaused).filter((e) => e.method === 'PATCH').length;
        assert.equal(sentWhilePaused, 0, 'no PATCH while paused');
        proxy.clearFaults();
        await p.waitFor(click, { timeout: 10_000 }, BUTTON.pauseResume);
        const done = await settled(p, 90_000);
        await assertUploaded(done['big.bin'], files.big);
        assert.equal(cost(since, 1).posts, 1, 'one upload created');
      } finally {
        await p.close();
      }
    });

    // Scenarios run with both uploaders: ferry's run is asserted, @uppy/tus's recorded.
    const compared = [
      ['a connection reset mid-PATCH: one upload created, byte-exact', 'reset mid-PATCH', resetMidPatch, 'big.bin', {}],
      ['a HEAD answered 503 while resuming: still one upload created, byte-exact', 'HEAD 503 while resuming', head503, 'big.bin', {}],
      ['a reload mid-upload, the same file added again: continues on the same upload, at most one chunk re-sent',
        'reload, file added again', reloadAndAddAgain, 'big.bin', { atMostOneChunk: true }],
      // GoldenRetriever keeps the file's bytes in IndexedDB as a Blob.
      ['with GoldenRetriever: a reload mid-upload, restored and confirmed in the Dashboard, continues on the same upload',
        'GoldenRetriever reload', goldenReload, 'b.bin', { atMostOneChunk: true, needs: 'blobInIndexedDB' }],
    ];
    for (const [title, name, scenario, fileName, { atMostOneChunk = false, needs: cap }] of compared) {
      test(title, cap ? needs(engine, cap) : {}, async () => {
        const file = fileName === 'b.bin' ? files.b : files.big;
        const since = proxy.log.length;
        const done = await scenario(driver, 'ferry');
        proxy.clearFaults();
        assert.ok(done, 'the file completed');
        await assertUploaded(done[fileName], file);
        const { posts, bytesPerByte } = cost(since, file.size);
        assert.equal(posts, 1, 'one upload created');
        if (atMostOneChunk) {
          assert.ok(bytesPerByte * file.size <= file.size + CHUNK, `re-sent ${bytesPerByte * file.size - file.size} bytes, more than one chunk`);
        }
        record(driver, name, since, file.size);
        await compareWithTus(driver, name, scenario, file.size);
      });
    }

    test('a failed upload retried from the Dashboard continues on the same upload', async () => {
      const since = proxy.log.length;
      // Refused twice: ferry asks the headers function again once, then fails with `unauthorized`.
      proxy.inject({ method: 'PATCH', nth: 3, action: 'status', status: 403, times: 2 });
      const p = await open(driver, 'ferry');
      try {
        await addAndUpload(p, [files.big]);
        const failed = await p.waitFor(() => window.harness.events.find((e) => e.type === 'error'), { timeout: 30_000 });
        assert.equal(failed.code, 'unauthorized', `upload-error carries the FerryError: ${JSON.stringify(failed)}`);
        proxy.clearFaults();
        await p.waitFor(click, { timeout: 10_000 }, BUTTON.retry);
        const done = await settled(p, 90_000);
        await assertUploaded(done['big.bin'], files.big);
        const { posts, bytesPerByte } = cost(since, files.big.size);
        assert.equal(posts, 1, 'one upload created');
        assert.ok(bytesPerByte * files.big.size <= files.big.size + CHUNK, 'at most one chunk re-sent');
      } finally {
        await p.close();
      }
    });

    test('while ferry reconnects, Uppy shows it (upload-stalled, an info message), then the file completes', async () => {
      const since = proxy.log.length;
      proxy.inject({ method: 'PATCH', nth: 2, action: 'status', status: 503, headers: { 'Retry-After': '1' } });
      const p = await open(driver, 'ferry');
      try {
        await addAndUpload(p, [files.a]);
        const stalled = await p.waitFor(() => window.harness.events.find((e) => e.type === 'stalled'), { timeout: 30_000 });
        assert.match(stalled.message, /^Reconnecting \(attempt 1, next try in \d+ s\)$/);
        assert.deepEqual(stalled.names, ['a.bin']);
        const info = await p.waitFor(() => window.harness.events.find((e) => e.type === 'info' && e.info.some((m) => m.startsWith('Reconnecting'))), { timeout: 10_000 });
        assert.ok(info, 'Uppy showed an info message');
        const done = await settled(p, 60_000);
        await assertUploaded(done['a.bin'], files.a);
        assert.equal(cost(since, 1).posts, 1, 'one upload created');
      } finally {
        proxy.clearFaults();
        await p.close();
      }
    });

    test('cancel from the Dashboard stops sending and terminates the upload on the server', async () => {
      const stall = proxy.inject({ method: 'PATCH', nth: 3, action: 'stall', durationMs: 5_000 });
      const p = await open(driver, 'ferry');
      try {
        await addAndUpload(p, [files.big]);
        await waitUntil(() => stall.fired > 0, 30_000);
        const url = await p.waitFor(() => Object.values(window.harness.uppy.getState().files)[0]?.tus?.uploadUrl, { timeout: 10_000 });
        await p.waitFor(click, { timeout: 10_000 }, BUTTON.cancel);
        await p.waitFor(() => window.harness.uppy.getFiles().length === 0, { timeout: 10_000 });
        await waitUntil(() => proxy.log.some((e) => e.method === 'DELETE' && e.path.endsWith(uploadId(url)) && e.status === 204), 10_000);
        const after = proxy.log.length;
        await sleep(500);
        assert.equal(proxy.log.slice(after).filter((e) => e.method === 'PATCH').length, 0, 'nothing sent after cancel');
      } finally {
        proxy.clearFaults();
        await p.close();
      }
    });

  });
}

function renderComparison(rows) {
  const lines = ['| engine | scenario | uploader | uploads created | bytes sent / size | finished |', '|---|---|---|---|---|---|'];
  for (const r of rows) lines.push(`| ${r.engine} | ${r.scenario} | ${r.uploader} | ${r.posts} | ${r.bytesPerByte.toFixed(2)} | ${r.finished === true ? 'yes' : r.finished || 'no'} |`);
  return lines.join('\n');
}

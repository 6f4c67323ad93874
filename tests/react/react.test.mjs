// Browser tests of `ferry-upload/react`: real components rendered by react-dom (development
// build, so StrictMode really mounts twice; React 19, and React 18 installed from the npm
// cache or registry into a temp dir) in headless Chromium and Firefox, uploading to a
// real @tus/server on 127.0.0.1 (tests/support/serve.mjs). They check what the hooks return, what
// the page shows, and what reached the server (requests and stored bytes). Needs dist/ built.
// Nothing is mocked; the network is never used beyond 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUPPETEER_ENGINES as BROWSERS } from '../support/browsers.mjs';
import { sha256File } from '../support/files.mjs';
import fsp from 'node:fs/promises';
import { installReact, launch, openPage, servePage, storedPath, until } from './harness.mjs';
import { sleep } from '../support/util.mjs';

const TIMEOUT = 60_000;

// The repo's React (19) in both browsers, and React 18, the oldest the peer range allows.
const SETUPS = [
  { label: 'React 19', major: 19, install: false, browsers: BROWSERS },
  { label: 'React 18', major: 18, install: true, browsers: ['chromium'] },
];

let served; // the page of the setup running now

const requests = (since, method) => served.srv.log.slice(since).filter((e) => !method || e.method === method);

/** Waits until the hook in mount `id` reports `state` (or fails the test with what it saw). */
async function waitState(page, id, states, timeout = 30_000) {
  const wanted = [].concat(states);
  try {
    return await until(page, ([i, w]) => {
      const s = window.harness.snapshot(i);
      // start() resolves (the hook's `result`) once the session write is done, after the
      // `completed` state: a completed mount counts once its result is there too.
      return w.includes(s.state) && (s.state !== 'completed' || s.result !== null) && s;
    }, [id, wanted], timeout);
  } catch (err) {
    const s = await page.evaluate((i) => window.harness.snapshot(i), id);
    throw new Error(`mount ${id} never reached ${wanted.join('|')}: ${JSON.stringify({ states: s.states, error: s.error })} (${err.message})`);
  }
}

function assertMonotonic(percents) {
  for (let i = 1; i < percents.length; i++) assert.ok(percents[i] >= percents[i - 1], `progress went back: ${percents.slice(i - 1, i + 1)}`);
}

for (const setup of SETUPS) {
  describe(setup.label, () => {
    let reactDir = null;
    before(async () => {
      if (setup.install) reactDir = await installReact(setup.major);
      served = await servePage('tests/react/app.jsx', { title: 'ferry react tests', reactDir });
    });
    after(async () => {
      await served?.close();
      if (reactDir) await fsp.rm(reactDir, { recursive: true, force: true });
    });

    for (const name of setup.browsers) {
      describe(`useUpload with ${setup.label} in ${name}`, { timeout: 4 * TIMEOUT }, () => {
        let browser;
        let page;
        before(async () => {
          browser = await launch(name);
          page = await openPage(browser, served.srv);
          const version = await page.evaluate(() => window.harness.reactVersion);
          assert.equal(Number(version.split('.')[0]), setup.major, `the page runs React ${version}`);
        });
        after(async () => {
          if (page && page.errors.length) console.log(`[${name}] page errors: ${page.errors.join(' | ')}`);
          await browser?.close();
        });

        test('StrictMode: an upload started in a mount effect creates one upload (one POST) and completes', { timeout: TIMEOUT }, async () => {
          const since = served.srv.log.length;
          const file = await page.evaluate(() => window.harness.makeFile('strict.bin', 3 * 1024 * 1024 + 17));
          const id = await page.evaluate((f) => window.harness.mount('uploader', { endpoint: '/files/', fileId: f, autoStart: true }, { strict: true }), file.id);
          const snap = await waitState(page, id, ['completed', 'failed']);
          assert.equal(snap.state, 'completed', JSON.stringify(snap.error));
          // StrictMode really ran the effect twice (mount, unmount, mount): the test means something.
          assert.equal(snap.effectStarts, 2);
          assert.equal(snap.mounts, 2);
          assert.equal(snap.unmounts, 1);
          assert.equal(requests(since, 'POST').length, 1, `POSTs: ${JSON.stringify(requests(since, 'POST'))}`);
          assert.equal(requests(since, 'DELETE').length, 0);
          assert.equal(snap.result.bytesTotal, file.size);
          assert.equal(snap.result.uploadUrl, snap.uploadUrl);
          assert.equal(await sha256File(storedPath(served.srv, snap.result.uploadUrl)), file.sha256);
          assert.equal(snap.dom.state, 'completed');
          assert.equal(snap.dom.valuenow, '100');
          assert.equal(snap.progress.bytesConfirmed, file.size);
          assert.deepEqual(snap.states.filter((s) => s === 'idle').length, 1, `states: ${snap.states}`);
          assertMonotonic(snap.percents);
        });

        test('unmount pauses (does not abort); mounting again continues the same upload to the last byte', { timeout: TIMEOUT }, async () => {
          const since = served.srv.log.length;
          const file = await page.evaluate(() => window.harness.makeFile('unmount.bin', 4 * 1024 * 1024 + 5));
          const props = { endpoint: '/files/', fileId: file.id, autoStart: true, chunkSize: 64 * 1024 };
          const first = await page.evaluate((p) => window.harness.mount('uploader', p, { strict: true }), props);
          await until(page, (i) => (window.harness.snapshot(i).progress?.bytesConfirmed ?? 0) > 0 && true, first);
          await page.evaluate((i) => window.harness.unmount(i), first);
          // Paused within a tick of the unmount; then nothing more is sent.
          await until(page, (i) => window.harness.snapshot(i).uploadState === 'paused', first, 5000);
          await sleep(150);
          const settled = served.srv.log.length;
          await sleep(400);
          assert.equal(served.srv.log.length, settled, 'requests went on after the unmount');
          assert.equal(requests(since, 'DELETE').length, 0, 'unmount must not terminate the upload');
          const offsets = requests(since).map((e) => e.responseOffset).filter((o) => o !== null);
          const confirmed = Math.max(...offsets);
          assert.ok(confirmed < file.size, `the upload finished before the unmount (${confirmed} of ${file.size}); make the file bigger`);
          const url = await page.evaluate((i) => window.harness.snapshot(i).uploadUrl, first);
          const sessions = await page.evaluate(() => window.harness.sessions());
          assert.ok(sessions.some((s) => s.uploadUrl === url), 'the paused upload is kept as a resumable session');

          const second = await page.evaluate((p) => window.harness.mount('uploader', p, { strict: true }), props);
          const snap = await waitState(page, second, ['completed', 'failed']);
          assert.equal(snap.state, 'completed', JSON.stringify(snap.error));
          assert.equal(snap.result.uploadUrl, url, 'the remount continued the same upload');
          assert.equal(requests(since, 'POST').length, 1);
          assert.equal(await sha256File(storedPath(served.srv, url)), file.sha256);
          // Only bytes after the confirmed offset were sent again.
          const patchedAfter = requests(settled, 'PATCH').filter((e) => e.status === 204);
          assert.ok(patchedAfter.length > 0 && patchedAfter[0].requestOffset >= confirmed, 'the remount re-sent confirmed bytes');
          const after = await page.evaluate(() => window.harness.sessions());
          assert.ok(!after.some((s) => s.uploadUrl === url), 'a completed upload leaves no session behind');
        });

        test('pause() and resume() from the hook; the page shows the state and progress', { timeout: TIMEOUT }, async () => {
          const since = served.srv.log.length;
          const file = await page.evaluate(() => window.harness.makeFile('pause.bin', 4 * 1024 * 1024));
          const id = await page.evaluate((f) => window.harness.mount('uploader', { endpoint: '/files/', fileId: f, chunkSize: 64 * 1024 }), file.id);
          assert.equal((await page.evaluate((i) => window.harness.snapshot(i), id)).dom.state, 'idle');
          await page.evaluate((i) => window.harness.fire(i, 'start'), id);
          await until(page, (i) => (window.harness.snapshot(i).progress?.bytesConfirmed ?? 0) > 0 && true, id);
          await page.evaluate((i) => window.harness.fire(i, 'pause'), id);
          const paused = await waitState(page, id, 'paused', 5000);
          assert.equal(paused.dom.state, 'paused');
          await sleep(150);
          const quiet = served.srv.log.length;
          await sleep(300);
          assert.equal(served.srv.log.length, quiet, 'paused, yet requests went on');
          assert.ok(Number(paused.dom.valuenow) < 100);
          const outcome = await page.evaluate((i) => window.harness.call(i, 'resume'), id);
          assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
          assert.equal(outcome.value.bytesTotal, file.size);
          const snap = await waitState(page, id, 'completed');
          assert.equal(snap.dom.valuenow, '100');
          assert.equal(requests(since, 'POST').length, 1);
          assert.equal(await sha256File(storedPath(served.srv, outcome.value.uploadUrl)), file.sha256);
          assertMonotonic(snap.percents);
          assert.ok(snap.states.includes('paused') && snap.states.includes('uploading'), `states: ${snap.states}`);
        });

        test('a refused upload rejects start() with a FerryError that the hook and the page show', { timeout: TIMEOUT }, async () => {
          const file = await page.evaluate(() => window.harness.makeFile('refused.bin', 1000));
          // No TUS server at /nope/: the POST is answered 404.
          const id = await page.evaluate((f) => window.harness.mount('uploader', { endpoint: '/nope/', fileId: f }), file.id);
          const outcome = await page.evaluate((i) => window.harness.call(i, 'start'), id);
          assert.equal(outcome.ok, false);
          assert.deepEqual(outcome.error, { kind: 'rejected', code: 'http_status', status: 404, isFerry: true });
          const snap = await waitState(page, id, 'failed', 5000);
          assert.deepEqual(snap.error, { kind: 'rejected', code: 'http_status', status: 404, isError: true });
          await until(page, (i) => document.querySelector(`[data-mount="${i}"] .error`)?.textContent === 'http_status', id, 5000);
        });

        test('start() without a file rejects with invalid_option and sends nothing', { timeout: TIMEOUT }, async () => {
          const since = served.srv.log.length;
          const id = await page.evaluate(() => window.harness.mount('uploader', { endpoint: '/files/' }));
          const outcome = await page.evaluate((i) => window.harness.call(i, 'start'), id);
          assert.deepEqual(outcome.error, { kind: 'usage', code: 'invalid_option', status: null, isFerry: true });
          assert.equal(requests(since).length, 0);
        });

        test('abort({ terminate: true }) ends the upload and deletes it on the server', { timeout: TIMEOUT }, async () => {
          const since = served.srv.log.length;
          const file = await page.evaluate(() => window.harness.makeFile('abort.bin', 4 * 1024 * 1024));
          const id = await page.evaluate((f) => window.harness.mount('uploader', { endpoint: '/files/', fileId: f, chunkSize: 64 * 1024 }), file.id);
          await page.evaluate((i) => window.harness.fire(i, 'start'), id);
          await until(page, (i) => (window.harness.snapshot(i).progress?.bytesConfirmed ?? 0) > 0 && true, id);
          const outcome = await page.evaluate((i) => window.harness.call(i, 'abort', { terminate: true }), id);
          assert.equal(outcome.ok, true);
          const snap = await waitState(page, id, 'aborted', 5000);
          assert.equal(snap.error, null, 'an abort the app asked for is not shown as an error');
          const deletes = requests(since, 'DELETE');
          assert.equal(deletes.length, 1);
          assert.equal(deletes[0].status, 204);
          const sessions = await page.evaluate(() => window.harness.sessions());
          assert.ok(!sessions.some((s) => s.uploadUrl === snap.uploadUrl));
        });

        test('useResumableUploads lists a paused upload, refreshes, and forgets it', { timeout: TIMEOUT }, async () => {
          const list = await page.evaluate(() => window.harness.mount('sessions', {}, { strict: true }));
          await until(page, (i) => window.harness.snapshot(i).loading === false, list, 10_000);
          const file = await page.evaluate(() => window.harness.makeFile('listed.bin', 4 * 1024 * 1024));
          const up = await page.evaluate((f) => window.harness.mount('uploader', { endpoint: '/files/', fileId: f, autoStart: true, chunkSize: 64 * 1024 }), file.id);
          await until(page, (i) => (window.harness.snapshot(i).progress?.bytesConfirmed ?? 0) > 0 && true, up);
          await page.evaluate((i) => window.harness.unmount(i), up);
          await until(page, (i) => window.harness.snapshot(i).uploadState === 'paused', up, 5000);
          const refreshed = await page.evaluate((i) => window.harness.call(i, 'refresh'), list);
          assert.equal(refreshed.ok, true);
          const snap = await until(page, ([i, n]) => {
            const s = window.harness.snapshot(i);
            return s.dom.sessions.includes(n) && s;
          }, [list, file.name], 5000);
          const entry = snap.uploads.find((u) => u.name === file.name);
          assert.equal(entry.size, file.size);
          assert.ok(entry.bytesConfirmed > 0 && entry.bytesConfirmed < file.size);
          assert.equal(typeof entry.key, 'string');
          const forgot = await page.evaluate(([i, k]) => window.harness.call(i, 'forget', k), [list, entry.key]);
          assert.equal(forgot.ok, true);
          await until(page, ([i, n]) => !window.harness.snapshot(i).dom.sessions.includes(n), [list, file.name], 5000);
          const stored = await page.evaluate(() => window.harness.sessions());
          assert.ok(!stored.some((s) => s.key === entry.key), 'forget() removed the stored record');
        });
      });
    }
  });
}

// Browser tests of createUploadQueue: several in-memory files uploaded by the built package
// (dist/) in headless Chromium and Firefox to a real @tus/server on 127.0.0.1
// (tests/support/serve.mjs). They check the concurrency limit, per-file and total progress, pause,
// resume and cancel of one file and of all, a failing file, a queue run inside a dedicated
// Worker, and the stored bytes of every file.
// Needs dist/ built. Nothing is mocked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PUPPETEER_ENGINES as BROWSERS } from '../support/browsers.mjs';
import { sha256File } from '../support/files.mjs';
import { launch, openPage, servePage, storedPath, until } from '../react/harness.mjs';
import { MiB, sleep } from '../support/util.mjs';

const TIMEOUT = 90_000;

let served;
before(async () => {
  served = await servePage('tests/queue/app.js', { title: 'ferry queue tests', workers: { 'worker.js': 'tests/queue/worker.js' } });
});
after(async () => {
  await served?.close();
});

const requests = (since, method) => served.srv.log.slice(since).filter((e) => !method || e.method === method);
const snapshot = (page) => page.evaluate(() => window.harness.snapshot());

async function makeFiles(page, sizes, prefix) {
  return page.evaluate(async (s, p) => Promise.all(s.map((size, i) => window.harness.makeFile(`${p}-${i}.bin`, size))), sizes, prefix);
}

async function waitIdle(page, timeout = 60_000) {
  const out = await page.evaluate((t) => Promise.race([
    window.harness.call('whenIdle'),
    new Promise((r) => setTimeout(() => r({ ok: false, error: 'timeout' }), t)),
  ]), timeout);
  assert.equal(out.ok, true, `the queue never went idle: ${JSON.stringify(await snapshot(page))}`);
  return out.value;
}

async function assertStored(files, items) {
  for (const [i, f] of files.entries()) {
    const item = items[i];
    assert.equal(item.state, 'completed', `${f.name}: ${JSON.stringify(item)}`);
    assert.equal(await sha256File(storedPath(served.srv, item.result.uploadUrl)), f.sha256, `${f.name}: bytes differ`);
  }
}

for (const name of BROWSERS) {
  describe(`createUploadQueue in ${name}`, { timeout: 6 * TIMEOUT }, () => {
    let browser;
    let page;
    before(async () => {
      browser = await launch(name);
      page = await openPage(browser, served.srv);
    });
    after(async () => {
      if (page?.errors.length) console.log(`[${name}] page errors: ${page.errors.join(' | ')}`);
      await browser?.close();
    });

    test('five files, concurrency 2: never more than two at once, total and per-file progress, every byte stored', { timeout: TIMEOUT }, async () => {
      const since = served.srv.log.length;
      const files = await makeFiles(page, [2 * MiB, 1 * MiB + 3, 3 * MiB, 0, 2 * MiB + 1], 'five');
      await page.evaluate(() => window.harness.create({ endpoint: '/files/', concurrency: 2, chunkSize: 128 * 1024, progressInterval: 10 }));
      const ids = await page.evaluate((f) => window.harness.add(f.map((x) => x.id)), files);
      assert.deepEqual(ids, [1, 2, 3, 4, 5]);
      const idle = await waitIdle(page);
      const snap = await snapshot(page);
      await assertStored(files, snap.items);
      const total = files.reduce((n, f) => n + f.size, 0);
      assert.deepEqual(idle, { bytesConfirmed: total, bytesTotal: total, percent: 100, files: { total: 5, queued: 0, active: 0, paused: 0, completed: 5, failed: 0, cancelled: 0 } });
      assert.equal(snap.log.maxActive, 2, 'the queue should run exactly two at a time');
      // The first two files get the two slots (which of them reports first is up to their engines).
      assert.deepEqual([...snap.log.startOrder.slice(0, 2)].sort(), [1, 2], 'files start in the order added');
      assert.deepEqual([...snap.log.completed].sort(), [1, 2, 3, 4, 5]);
      assert.equal(snap.log.added, 5);
      assert.ok(snap.log.itemProgress >= 5, 'per-file progress events');
      for (let i = 1; i < snap.log.totals.length; i++) {
        assert.ok(snap.log.totals[i].bytesConfirmed >= snap.log.totals[i - 1].bytesConfirmed, 'total progress went back');
      }
      assert.equal(snap.log.totals.at(-1).percent, 100);
      assert.equal(requests(since, 'POST').length, 5);
      for (const id of ids) assert.equal(snap.log.done[id]?.ok, true);
      // The server never saw more than two uploads send bytes at once. (PATCHes only: a new
      // upload's POST may reach the server before it has closed the previous upload's last answer.)
      const spans = requests(since).filter((e) => e.method === 'PATCH');
      let worst = 0;
      for (const e of spans) {
        const ids = new Set(spans.filter((o) => o.startedAt < e.endedAt && o.endedAt > e.startedAt).map((o) => o.id ?? o.location));
        worst = Math.max(worst, ids.size);
      }
      assert.ok(worst <= 2, `${worst} uploads overlapped on the server`);
    });

    test('pause() stops everything and starts nothing new; resume() finishes every file', { timeout: TIMEOUT }, async () => {
      const since = served.srv.log.length;
      const files = await makeFiles(page, [4 * MiB, 4 * MiB, 2 * MiB], 'pauseall');
      await page.evaluate(() => window.harness.create({ endpoint: '/files/', concurrency: 2, chunkSize: 64 * 1024, progressInterval: 10 }));
      await page.evaluate((f) => window.harness.add(f.map((x) => x.id)), files);
      await until(page, () => window.harness.snapshot().progress.bytesConfirmed > 0);
      await page.evaluate(() => window.harness.call('pause'));
      await until(page, () => window.harness.snapshot().items.slice(0, 2).every((i) => i.state === 'paused'), null, 5000);
      await sleep(150);
      const quiet = served.srv.log.length;
      await sleep(400);
      assert.equal(served.srv.log.length, quiet, 'requests went on after pause()');
      const paused = await snapshot(page);
      assert.equal(paused.items[2].state, 'queued', 'the third file must not start while paused');
      assert.equal(paused.progress.files.paused, 2);
      assert.equal(paused.progress.files.queued, 1);
      assert.ok(paused.progress.percent < 100);
      assert.equal(requests(since, 'POST').length, 2);
      await page.evaluate(() => window.harness.call('resume'));
      const idle = await waitIdle(page);
      assert.equal(idle.files.completed, 3);
      const snap = await snapshot(page);
      await assertStored(files, snap.items);
      assert.equal(requests(since, 'POST').length, 3);
      assert.ok(snap.log.maxActive <= 2);
    });

    test('one file: pause frees its slot, cancel of a queued file sends nothing, resume finishes it', { timeout: TIMEOUT }, async () => {
      const since = served.srv.log.length;
      const files = await makeFiles(page, [4 * MiB, 2 * MiB, 1 * MiB], 'one');
      await page.evaluate(() => window.harness.create({ endpoint: '/files/', concurrency: 1, chunkSize: 64 * 1024, progressInterval: 10 }));
      const [a, b, c] = await page.evaluate((f) => window.harness.add(f.map((x) => x.id)), files);
      await until(page, () => window.harness.snapshot().items[0].bytesConfirmed > 0);
      const cancelled = await page.evaluate((id) => window.harness.call('cancel', id), c);
      assert.equal(cancelled.ok, true);
      await page.evaluate((id) => window.harness.call('pause', id), a);
      // The freed slot goes to the next file.
      await until(page, () => window.harness.snapshot().items[1].bytesConfirmed > 0, null, 10_000);
      let snap = await snapshot(page);
      assert.equal(snap.items[0].state, 'paused');
      assert.equal(snap.items[2].state, 'aborted');
      assert.deepEqual(snap.log.done[c], { ok: false, kind: 'aborted', code: 'aborted' });
      await page.evaluate((id) => window.harness.call('resume', id), a);
      const idle = await waitIdle(page);
      snap = await snapshot(page);
      await assertStored(files.slice(0, 2), snap.items.slice(0, 2));
      assert.equal(idle.files.cancelled, 1);
      assert.equal(idle.bytesTotal, files[0].size + files[1].size, 'a cancelled file leaves the total');
      assert.equal(idle.percent, 100);
      assert.equal(snap.log.maxActive, 1);
      assert.equal(requests(since, 'POST').length, 2, 'the cancelled file was never created on the server');
      assert.ok(!requests(since).some((e) => e.uploadLength === files[2].size));
      assert.equal(snap.items[0].url, snap.items[0].result.uploadUrl);
      assert.deepEqual(snap.log.startOrder, [a, b]);
      void b;
    });

    test('cancel({ terminate: true }) of all deletes the started uploads on the server', { timeout: TIMEOUT }, async () => {
      const since = served.srv.log.length;
      const files = await makeFiles(page, [4 * MiB, 4 * MiB, 1 * MiB], 'cancelall');
      await page.evaluate(() => window.harness.create({ endpoint: '/files/', concurrency: 2, chunkSize: 64 * 1024, progressInterval: 10 }));
      await page.evaluate((f) => window.harness.add(f.map((x) => x.id)), files);
      await until(page, () => window.harness.snapshot().items.slice(0, 2).every((i) => i.bytesConfirmed > 0));
      const out = await page.evaluate(() => window.harness.call('cancel', null, { terminate: true }));
      assert.equal(out.ok, true);
      const snap = await snapshot(page);
      assert.deepEqual(snap.items.map((i) => i.state), ['aborted', 'aborted', 'aborted']);
      assert.equal(snap.progress.files.cancelled, 3);
      const deletes = requests(since, 'DELETE');
      assert.equal(deletes.length, 2);
      assert.ok(deletes.every((d) => d.status === 204));
      assert.equal(requests(since, 'POST').length, 2);
      await sleep(300);
      const later = served.srv.log.length;
      await sleep(300);
      assert.equal(served.srv.log.length, later, 'requests after cancel()');
    });

    test('in a dedicated Worker: the package loads its wasm, uploads a queue of files and keeps sessions', { timeout: TIMEOUT }, async () => {
      const since = served.srv.log.length;
      const files = await makeFiles(page, [3 * MiB + 7, 1 * MiB], 'worker');
      const report = await page.evaluate((f) => window.harness.inWorker(f.map((x) => x.id)), files);
      assert.equal(report.ok, true, report.error);
      assert.equal(report.hasWindow, false);
      assert.deepEqual(report.idle.files, { total: 2, queued: 0, active: 0, paused: 0, completed: 2, failed: 0, cancelled: 0 });
      assert.ok(report.progressEvents > 0);
      assert.ok(report.sessions >= 2, 'keepSession records were written from the Worker');
      for (const [i, f] of files.entries()) {
        assert.equal(report.results[i].state, 'completed');
        assert.equal(await sha256File(storedPath(served.srv, report.results[i].uploadUrl)), f.sha256);
      }
      assert.equal(requests(since, 'POST').length, 2);
    });

    test('a failing file is reported and the others finish; bad concurrency is refused', { timeout: TIMEOUT }, async () => {
      const files = await makeFiles(page, [1 * MiB, 1000, 1 * MiB], 'fail');
      await page.evaluate(() => window.harness.create({ endpoint: '/files/', concurrency: 2 }));
      await page.evaluate((f) => window.harness.add([f[0].id]), files);
      await page.evaluate((f) => window.harness.add([f[1].id], { endpoint: '/nope/' }), files);
      await page.evaluate((f) => window.harness.add([f[2].id]), files);
      const idle = await waitIdle(page);
      const snap = await snapshot(page);
      assert.deepEqual(idle.files, { total: 3, queued: 0, active: 0, paused: 0, completed: 2, failed: 1, cancelled: 0 });
      assert.equal(snap.items[1].state, 'failed');
      assert.deepEqual(snap.items[1].error, { kind: 'rejected', code: 'http_status', status: 404 });
      assert.deepEqual(snap.log.errors, [[2, 'http_status']]);
      await assertStored([files[0], files[2]], [snap.items[0], snap.items[2]]);
      for (const bad of [0, 1.5, -1]) {
        assert.deepEqual(await page.evaluate((v) => window.harness.badConcurrency(v), bad), { kind: 'usage', code: 'invalid_option' });
      }
    });
  });
}

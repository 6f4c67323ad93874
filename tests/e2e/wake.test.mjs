// A laptop that sleeps mid-upload, in a real browser (tests/support/page-driver.mjs): the built
// package (dist/) uploads a 48 MiB random file picked from disk, through the fault proxy
// (tests/support/fault-proxy.mjs), to a real @tus/server (tests/support/serve.mjs). Mid-upload, with
// a PATCH in flight, every open connection goes silent for good (the proxy's silence(): no
// reset, no answer, ever; idle keep-alive connections too) and, for 20 s, either the page is
// frozen (Chromium's Page Lifecycle freeze over CDP: no tasks, no timers; no offline event),
// or, where a page cannot be frozen (Firefox), the browser goes offline and the page keeps
// running. Then the network comes back (the proxy's wake()) and the page resumes, or the
// browser is online again. It checks that the upload finishes byte for byte with one upload
// created, and the mechanism: the dead PATCH is not waited for: the first request after the
// wake is a HEAD, sent long before the dead PATCH's stall deadline would have fired (a HEAD
// the browser sends on a connection silenced in the sleep is sent again after its short
// deadline). How soon after the wake the HEADs and the next confirmed PATCH went out is
// measured and printed (figures for BENCHMARKS.md, not asserted). FERRY_LOCK_DRAIN_MS sets
// @tus/server's lockDrainTimeout (its default, 3000 ms, is how long a HEAD waits while the
// dead PATCH still holds the upload at the server), to measure what is ferry's own time.
// A page frozen and never thawed (a tab discarded while frozen) must have its session record
// in IndexedDB already: with many small PATCHes confirmed between two coalesced writes, the
// page is frozen, and a second tab of the same origin reads the record while the first stays
// frozen; it holds the offset the page had confirmed (within the one PATCH in flight), not
// the older coalesced one, and reading it is not blocked by an unfinished transaction.
// The freezing tests need can.freeze (Chromium only: the capability says why not elsewhere),
// the offline one can.offline; all need `node scripts/build.mjs` first. They mock nothing in
// the SDK and use 127.0.0.1 only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { checkUpload, confirmedBefore, removeStored } from '../support/checks.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { startRun, untilConfirmed, untilDone } from '../support/recorder.mjs';
import { MiB, sleep, uploadId } from '../support/util.mjs';

const SIZE = 48 * MiB;
const CHUNK = 8 * MiB;
// Each PATCH takes about 2 s through the throttled proxy, so one is surely in flight.
const RATE = 4 * MiB;
// The dead PATCH's deadline: the wake must not wait for it.
const STALL_MS = 30_000;
const FROZEN_MS = 20_000;
const SMALL_CHUNK = 256 * 1024;
const OPTIONS = { endpoint: '/files/', chunkSize: CHUNK, stallTimeout: STALL_MS, retry: { baseDelay: 100, maxDelay: 1000 }, progressInterval: 10 };

let tmp;
let source;
let srv;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-wake-'));
  source = await writeRandomFile(path.join(tmp, 'source.bin'), SIZE);
  const drain = Number(process.env.FERRY_LOCK_DRAIN_MS) || undefined;
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store'), lockDrainTimeout: drain });
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** In a page: the bytesConfirmed of every stored record for upload `id`, or 'blocked' after `ms`. */
function readStored(id, ms) {
  const read = new Promise((resolve, reject) => {
    const open = indexedDB.open('ferry-upload');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const all = db.transaction('sessions', 'readonly').objectStore('sessions').getAll();
      all.onerror = () => reject(all.error);
      all.onsuccess = () => {
        db.close();
        resolve(all.result.filter((r) => r.uploadUrl.endsWith(`/${id}`)).map((r) => r.bytesConfirmed));
      };
    };
  });
  return Promise.race([read, new Promise((resolve) => { setTimeout(() => resolve('blocked'), ms); })]);
}

function describeLog(proxy, t0) {
  return proxy.log
    .filter((e) => e.path.startsWith('/files'))
    .map((e) => `${e.method}@${e.uploadOffset ?? ''}->${e.status ?? ''} ${e.outcome} conn ${e.connection} (+${e.startedAt - t0}..${(e.endedAt ?? NaN) - t0} ms)`)
    .join('\n  ');
}

/**
 * Uploads `source` through a throttled fault proxy; mid-upload, with a PATCH in flight, every
 * connection goes silent and `sleep(page)` runs; FROZEN_MS later the network is back and
 * `wake(page)` runs. Asserts the wake's mechanism and the upload's result; prints the figures.
 */
async function sleepAndWake(t, browser, engine, { sleep: goToSleep, wake }) {
  const proxy = await startFaultProxy({ upstream: srv.url });
  const page = await browser.open(`${proxy.url}test/`);
  const postsBefore = srv.log.filter((e) => e.method === 'POST').length;
  try {
    proxy.throttle({ bytesPerSec: RATE });
    await page.pick(source.path);
    await startRun(page, 'u', OPTIONS);
    await untilConfirmed(page, 'u', CHUNK, 60_000);
    // Sleep: the network dies silently.
    proxy.silence();
    const sleptAt = Date.now();
    await goToSleep(page);
    const dead = proxy.log.findLast((e) => e.method === 'PATCH' && e.startedAt <= sleptAt);
    assert.ok(dead, 'a PATCH went out before the sleep');
    await sleep(FROZEN_MS);
    // Wake: the network is back first, then the page hears of it.
    proxy.throttle(null);
    proxy.wake();
    const wokeAt = Date.now();
    await wake(page);
    const rec = await untilDone(page, 'u', 60_000).catch((err) => { throw new Error(`${err.message}\n  ${describeLog(proxy, sleptAt)}`); });
    const log = describeLog(proxy, sleptAt);
    assert.equal(rec.ok, true, `${JSON.stringify(rec.error)}\n  ${log}`);

    const first = proxy.log.find((e) => e.startedAt >= wokeAt && e.path.startsWith('/files'));
    assert.equal(first?.method, 'HEAD', `the first request after the wake re-learns the offset\n  ${log}`);
    assert.ok(first.startedAt < dead.startedAt + STALL_MS, `the HEAD did not wait for the dead PATCH's deadline\n  ${log}`);
    const next = proxy.log.find((e) => e.seq > first.seq && e.method === 'PATCH' && e.status === 204);
    assert.ok(next, `a PATCH was confirmed after the wake\n  ${log}`);
    assert.ok(rec.states.includes('resuming'), rec.states.join(' '));
    const firstMs = first.startedAt - wokeAt;
    const confirmedMs = next.endedAt - wokeAt;
    const heads = proxy.log.filter((e) => e.seq >= first.seq && e.seq < next.seq && e.method === 'HEAD');
    const answered = heads.find((e) => e.status === 200);
    const lost = heads.filter((e) => e.outcome === 'silenced').length;
    const figures = `first request (${first.method}) ${firstMs} ms after the wake; ${lost} HEAD(s) sent on connections silenced in the sleep; `
      + `HEAD answered at ${answered ? answered.endedAt - wokeAt : '?'} ms (the server took ${answered ? answered.endedAt - answered.startedAt : '?'} ms); `
      + `next confirmed PATCH ${confirmedMs} ms after the wake (${(next.responseOffset - next.uploadOffset) / MiB} MiB)`;
    t.diagnostic(`${engine}: ${figures}`);
    console.log(`[wake] ${engine}: ${figures}; states ${rec.states.join(' ')}`);

    const { problems } = await checkUpload({ rec, source, proxy, dataDir: srv.dataDir, chunkSize: CHUNK, faultStates: ['resuming', 'offline'], expectPosts: 1 });
    assert.deepEqual(problems, [], log);
    const posts = srv.log.filter((e) => e.method === 'POST').length - postsBefore;
    assert.equal(posts, 1, 'one upload created');
    await fsp.rm(path.join(srv.dataDir, uploadId(rec.result.uploadUrl)), { force: true });
  } finally {
    await page.close().catch(() => {});
    await proxy.close();
  }
}

for (const engine of engines()) {
  describe(`sleep and wake in ${engine}`, () => {
    let browser;
    before(async () => { browser = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('frozen with silent connections: the upload moves again at once after the wake', needs(engine, 'freeze', { timeout: 120_000 }), async (t) => {
      // The page stops running (no tasks, no timers) and runs again after the network is back.
      await sleepAndWake(t, browser, engine, { sleep: (page) => page.freeze(true), wake: (page) => page.freeze(false) });
    });

    test('silent connections and a network change while the page runs (offline, then online at the wake): the upload moves again at once', needs(engine, 'offline', { timeout: 120_000 }), async (t) => {
      // Where a page cannot be frozen (Firefox), a sleep is seen as the network change that
      // comes with it: the link goes down (offline) and is back at the wake (online).
      await sleepAndWake(t, browser, engine, { sleep: (page) => page.setOffline(true), wake: (page) => page.setOffline(false) });
    });

    test('frozen for good: the session record written on freeze is in IndexedDB while the page stays frozen', needs(engine, 'freeze', { timeout: 120_000 }), async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      const page = await browser.open(`${proxy.url}test/`);
      let reader;
      const t0 = Date.now();
      try {
        // A 256 KiB PATCH every ~30 ms: many confirmations between two coalesced writes (500 ms apart).
        proxy.throttle({ bytesPerSec: 8 * MiB });
        await page.pick(source.path);
        await startRun(page, 'f', { ...OPTIONS, chunkSize: SMALL_CHUNK });
        await untilConfirmed(page, 'f', SIZE / 4, 60_000);
        await page.freeze(true);
        await sleep(500); // the PATCH in flight at the freeze has ended at the server
        const id = srv.log.find((e) => e.method === 'POST' && e.startedAt >= t0)?.id;
        assert.ok(id, 'the upload was created');
        const confirmed = confirmedBefore(srv, id, Date.now());
        reader = await browser.open(`${proxy.url}test/`);
        const stored = await reader.evaluate(readStored, id, 10_000);
        assert.notEqual(stored, 'blocked', 'reading the sessions store is not blocked by the frozen page\'s write');
        assert.equal(stored.length, 1, `one record for the upload: ${JSON.stringify(stored)}`);
        assert.ok(stored[0] >= confirmed - SMALL_CHUNK && stored[0] <= confirmed,
          `the record holds the offset confirmed at the freeze (${confirmed}, less at most the PATCH in flight), not an older one: ${stored[0]}`);
        console.log(`[wake] ${engine}: frozen page's record ${stored[0]}, server confirmed ${confirmed}`);
        await page.freeze(false);
        const rec = await untilDone(page, 'f', 60_000);
        assert.equal(rec.ok, true, JSON.stringify(rec.error));
        await removeStored(srv, id);
      } finally {
        await reader?.close().catch(() => {});
        await page.close().catch(() => {});
        await proxy.close();
      }
    });
  });
}

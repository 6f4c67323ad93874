// A laptop that sleeps mid-upload, in a real browser (tests/support/page-driver.mjs): the built
// package (dist/) uploads a 48 MiB random file picked from disk, through the fault proxy
// (tests/support/fault-proxy.mjs), to a real @tus/server (scripts/serve.mjs). Mid-upload, with
// a PATCH in flight, every open connection goes silent for good (the proxy's silence(): no
// reset, no answer, ever) and the page is frozen for 20 s (Chromium's Page Lifecycle freeze
// over CDP: no tasks, no timers); no offline event is fired. Then the network comes back (the
// proxy's wake()) and the page resumes. It checks that the upload finishes byte for byte with
// one upload created, and the mechanism: the dead PATCH is not waited for: the first request
// after the resume is a HEAD, sent long before the dead PATCH's stall deadline would have
// fired. How soon after the resume the HEAD and the next confirmed PATCH went out is measured
// and printed (a target for BENCHMARKS.md, not asserted). Needs can.freeze (Chromium only:
// the capability says why not elsewhere) and `node scripts/build.mjs` first. It mocks nothing
// in the SDK and uses 127.0.0.1 only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../scripts/serve.mjs';
import { checkUpload } from '../support/checks.mjs';
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
const OPTIONS = { endpoint: '/files/', chunkSize: CHUNK, stallTimeout: STALL_MS, retry: { baseDelay: 100, maxDelay: 1000 }, progressInterval: 10 };

let tmp;
let source;
let srv;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-wake-'));
  source = await writeRandomFile(path.join(tmp, 'source.bin'), SIZE);
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

function describeLog(proxy, t0) {
  return proxy.log
    .filter((e) => e.path.startsWith('/files'))
    .map((e) => `${e.method}@${e.uploadOffset ?? ''}->${e.status ?? ''} ${e.outcome} (+${e.startedAt - t0}..${(e.endedAt ?? NaN) - t0} ms)`)
    .join('\n  ');
}

for (const engine of engines()) {
  describe(`sleep and wake in ${engine}`, () => {
    let browser;
    before(async () => { browser = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('frozen with silent connections: the upload moves again at once after the wake', needs(engine, 'freeze', { timeout: 120_000 }), async (t) => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      const page = await browser.open(`${proxy.url}test/`);
      const postsBefore = srv.log.filter((e) => e.method === 'POST').length;
      try {
        proxy.throttle({ bytesPerSec: RATE });
        await page.pick(source.path);
        await startRun(page, 'u', OPTIONS);
        await untilConfirmed(page, 'u', CHUNK, 60_000);
        // Sleep: the network dies silently and the page stops running.
        proxy.silence();
        const sleptAt = Date.now();
        await page.freeze(true);
        const dead = proxy.log.findLast((e) => e.method === 'PATCH' && e.startedAt <= sleptAt);
        assert.ok(dead, 'a PATCH went out before the sleep');
        await sleep(FROZEN_MS);
        // Wake: the network is back first, then the page runs again.
        proxy.throttle(null);
        proxy.wake();
        const wokeAt = Date.now();
        await page.freeze(false);
        const rec = await untilDone(page, 'u', 60_000);
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
        t.diagnostic(`${engine}: first request ${firstMs} ms after the wake, next PATCH confirmed ${confirmedMs} ms after`);
        console.log(`[wake] ${engine}: first request (${first.method}) ${firstMs} ms after the wake; next confirmed PATCH ${confirmedMs} ms after (${(next.responseOffset - next.uploadOffset) / MiB} MiB)`);

        const { problems } = await checkUpload({ rec, source, proxy, dataDir: srv.dataDir, chunkSize: CHUNK, faultStates: ['resuming'], expectPosts: 1 });
        assert.deepEqual(problems, [], log);
        const posts = srv.log.filter((e) => e.method === 'POST').length - postsBefore;
        assert.equal(posts, 1, 'one upload created');
        await fsp.rm(path.join(srv.dataDir, uploadId(rec.result.uploadUrl)), { force: true });
      } finally {
        await page.close().catch(() => {});
        await proxy.close();
      }
    });
  });
}

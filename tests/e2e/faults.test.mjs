// Fault injection in Chromium, Firefox and WebKit (tests/support/page-driver.mjs): the built
// package (dist/) uploads a 48 MiB random file picked from disk through <input type=file>,
// with the page and every request going THROUGH the fault proxy (tests/support/fault-proxy.mjs)
// to a real @tus/server (tests/support/serve.mjs). Each scenario breaks the upload one way
// (connection reset mid-PATCH, stall, 500, 502, 503 + Retry-After, 423, 429 + Retry-After,
// 409, 401 once, 401 twice then start() again, 404 (expired upload), 503 on POST, the browser
// offline, the proxy refusing connections, the TUS server process killed and restarted, a
// seeded random mix; and the file rewritten on disk, which must fail, not retry; an abort
// whose DELETE is refused for now, which must be sent again; a POST refused, then start()
// again while a second tab uploads the same file, which must end on that tab's upload) and checks that ferry still delivers the file byte for byte: stored
// SHA-256 equals the source, exactly one POST reached the server (two when the upload
// expired), PATCH bytes forwarded <= size + interruptions x chunk size, progress never
// decreased, and the states show the fault (reconnecting, offline or resuming), including the
// engine's own first load while offline or failing. The two browser-offline scenarios need
// can.offline (W3C WebDriver has no offline command, so they are reported as not applicable
// in WebKit). Needs `node scripts/build.mjs` first. It does not test the proxy itself
// (tests/support/fault-proxy.test.mjs does), mocks nothing in the SDK, and uses 127.0.0.1 only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { assertStored, checkUpload, recoveryTimes, removeStored } from '../support/checks.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { getRun, pickAndRun, setDelay, startAgain, startRun, until, untilConfirmed, untilDone } from '../support/recorder.mjs';
import { startServeProcess } from '../support/process.mjs';
import { MiB, sleep, uploadId } from '../support/util.mjs';

const SIZE = 48 * MiB;
const CHUNK = 4 * MiB;
const OPTIONS = {
  endpoint: '/files/', chunkSize: CHUNK, retry: { baseDelay: 100, maxDelay: 1000 }, stallTimeout: 2000,
  progressInterval: 10,
};
const TIMEOUT = 60_000;
const MID = 3; // faults hit the 3rd PATCH: bytes are confirmed before and remain after

let tmp;
let source;
let srv;

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-faults-'));
  source = await writeRandomFile(path.join(tmp, 'source.bin'), SIZE);
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
});

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/**
 * Runs one upload through a fresh proxy. `arm(ctx)` installs faults before the upload starts
 * (ctx = { proxy, page, upstream }); `opts.upstream` replaces the in-process server.
 * Returns { rec, proxy, problems, stats, ctx }, with the stored file removed again.
 */
async function run(driver, { arm, options = {}, faultStates = ['reconnecting'], upstream, dataDir, expectPosts = 1 }) {
  const proxy = await startFaultProxy({ upstream: upstream ?? srv.url });
  const page = await driver.open(`${proxy.url}test/`);
  const ctx = { proxy, page, tasks: [] };
  const postsBefore = srv.log.filter((e) => e.method === 'POST').length;
  try {
    await arm?.(ctx);
    const rec = await pickAndRun(page, source.path, { ...OPTIONS, track: Boolean(options.auth), ...options }, { timeout: TIMEOUT - 10_000 });
    await Promise.all(ctx.tasks);
    const dir = dataDir ?? srv.dataDir;
    const { problems, stats } = await checkUpload({ rec, source, proxy, dataDir: dir, chunkSize: CHUNK, faultStates, expectPosts });
    if (!upstream) {
      const posts = srv.log.filter((e) => e.method === 'POST').length - postsBefore;
      if (posts !== expectPosts) problems.push(`the server logged ${posts} POSTs, expected ${expectPosts}`);
    }
    if (rec.ok) await fsp.rm(path.join(dir, uploadId(rec.result.uploadUrl)), { force: true });
    return { rec, proxy, problems, stats, ctx };
  } finally {
    await page.close().catch(() => {});
    await proxy.close();
  }
}

/** The first TUS request the proxy saw after exchange `e` ended. */
function nextTusAfter(proxy, e) {
  return proxy.log.find((x) => x.seq > e.seq && x.path.startsWith('/files'));
}

function faulted(proxy) {
  return proxy.log.filter((e) => e.fault);
}

function describeRun(r) {
  const states = r.rec.stateLog.map((x) => `${x.s}@${x.t}`).join(' ');
  const reasons = r.rec.reconnecting.map((x) => `${x.reason?.code}${x.reason?.status ? `/${x.reason.status}` : ''}@${x.t}`).join(', ');
  const t0 = r.proxy.log.find((e) => e.method === 'POST')?.startedAt ?? 0;
  return `states: ${states}\nreconnecting reasons: ${reasons}\nproxy: ${r.proxy.log
    .filter((e) => e.path.startsWith('/files'))
    .map((e) => `${e.method}@${e.uploadOffset ?? ''}${e.fault ? `[${e.fault}]` : ''}->${e.status ?? e.outcome}${e.error ? `(${e.error})` : ''}`
      + ` (+${e.startedAt - t0}..${e.endedAt - t0} ms)`).join('\n  ')}`;
}

for (const engine of engines()) {
  describe(`faults in ${engine}`, () => {
    let browser;
    before(async () => { browser = await launch(engine); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('connection reset mid-PATCH: continues from the server offset', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'reset', afterBytes: 1.5 * MiB }); },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      // ferry saw the reset, or (when the browser resent the PATCH by itself on a new
      // connection) the server's 409 for the resent one; either way it asked the offset.
      const reason = r.rec.reconnecting[0]?.reason;
      assert.ok(reason?.code === 'network_error' || reason?.status === 409, `reason ${JSON.stringify(reason)}\n${describeRun(r)}`);
      // It continues exactly where the server stopped (the server kept at most the 1.5 MiB it
      // was sent), re-sending nothing the server had.
      const cut = faulted(r.proxy)[0];
      const head = r.proxy.log.find((x) => x.seq > cut.seq && x.method === 'HEAD' && x.status === 200);
      assert.ok(head, `a HEAD after the reset\n${describeRun(r)}`);
      const kept = head.responseOffset - cut.uploadOffset;
      assert.ok(kept >= 0 && kept <= 1.5 * MiB, `the server kept ${kept} bytes of the cut PATCH`);
      const nextOk = r.proxy.log.find((x) => x.seq > head.seq && x.method === 'PATCH');
      assert.equal(nextOk.uploadOffset, head.responseOffset, describeRun(r));
    });

    test('stalled PATCH: abandoned after the stall deadline, retried with a smaller chunk', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'stall' }); },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      const stalled = faulted(r.proxy)[0];
      const held = stalled.endedAt - stalled.startedAt;
      assert.ok(held >= 1800 && held < 15_000, `the stalled PATCH was abandoned after ${held} ms (stallTimeout 2000)`);
      assert.equal(r.rec.reconnecting[0]?.reason?.code, 'stalled', describeRun(r));
      const nextPatch = r.proxy.log.find((x) => x.seq > stalled.seq && x.method === 'PATCH');
      assert.ok(nextPatch.contentLength <= CHUNK / 2, `chunk halved after a stall: next PATCH ${nextPatch.contentLength} bytes`);
    });

    for (const status of [500, 502, 423]) {
      test(`${status} on PATCH: retried after a backoff`, { timeout: TIMEOUT }, async () => {
        let fault;
        const r = await run(browser, {
          arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'status', status }); },
        });
        assert.deepEqual(r.problems, [], describeRun(r));
        assert.equal(fault.fired, 1);
        assert.equal(r.rec.reconnecting[0]?.reason?.status, status, describeRun(r));
      });
    }

    for (const status of [503, 429]) {
      test(`${status} + Retry-After: 1 on PATCH: waits about a second, then continues`, { timeout: TIMEOUT }, async () => {
        let fault;
        const r = await run(browser, {
          arm: ({ proxy }) => {
            fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'status', status, headers: { 'Retry-After': '1' } });
          },
        });
        assert.deepEqual(r.problems, [], describeRun(r));
        assert.equal(fault.fired, 1);
        const answered = faulted(r.proxy)[0];
        const next = nextTusAfter(r.proxy, answered);
        const gap = next.startedAt - answered.endedAt;
        assert.ok(gap >= 900, `next request ${gap} ms after the ${status} (Retry-After: 1)`);
        assert.ok(gap < 5000, `next request ${gap} ms after the ${status}`);
        const ev = r.rec.reconnecting[0];
        assert.equal(ev?.reason?.status, status, describeRun(r));
        assert.ok(ev.retryIn >= 900 && ev.retryIn <= 1100, `retryIn ${ev.retryIn}`);
      });
    }

    test('409 on PATCH: asks the offset with HEAD at once and continues', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'status', status: 409 }); },
        faultStates: ['resuming', 'reconnecting'],
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      const answered = faulted(r.proxy)[0];
      const next = nextTusAfter(r.proxy, answered);
      assert.equal(next.method, 'HEAD', describeRun(r));
      assert.ok(next.startedAt - answered.endedAt < 1000, 'HEAD at once');
    });

    test('401 once: headers() sees refused === true and the retry carries the fresh token', { timeout: TIMEOUT }, async () => {
      let fault;
      const auth = [];
      const r = await run(browser, {
        options: { auth: true },
        faultStates: [],
        arm: ({ proxy }) => {
          fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'status', status: 401 });
          proxy.events.on('request', (info) => {
            if (info.path.startsWith('/files')) auth.push({ seq: info.seq, method: info.method, authorization: info.headers.authorization });
          });
        },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      const calls = r.rec.requests;
      assert.ok(calls.every((c) => c.keys.includes('refused')), 'every headers() call gets ctx.refused');
      const refused = calls.filter((c) => c.refused === true);
      assert.equal(refused.length, 1, `exactly one call with refused: true: ${JSON.stringify(calls.map((c) => `${c.method}:${c.refused}`))}`);
      assert.equal(refused[0].method, 'PATCH');
      assert.ok(calls.filter((c) => c.refused !== true).every((c) => c.refused === false), 'otherwise refused === false');
      const denied = faulted(r.proxy)[0];
      assert.equal(auth.find((a) => a.seq === denied.seq).authorization, 'Bearer stale');
      const retry = auth.find((a) => a.seq > denied.seq);
      assert.equal(retry.method, 'PATCH', 'the refused PATCH is retried');
      assert.equal(retry.authorization, 'Bearer fresh-1', 'with fresh credentials');
    });

    test('401 twice: start() rejects with unauthorized; start() again continues the same upload', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        options: { auth: true, startAgain: 1 },
        faultStates: [],
        arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, times: 2, action: 'status', status: 401 }); },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 2);
      assert.equal(r.rec.failures.length, 1, 'start() rejected once');
      assert.equal(r.rec.failures[0].code, 'unauthorized', JSON.stringify(r.rec.failures[0]));
      assert.equal(r.rec.failures[0].status, 401);
      assert.ok(r.rec.states.includes('failed'), describeRun(r));
      // The second start() asked the server where it stood instead of starting over.
      const second = r.proxy.log.find((e) => e.seq > faulted(r.proxy)[1].seq && e.path.startsWith('/files'));
      assert.equal(second.method, 'HEAD', describeRun(r));
    });

    test('404 on PATCH (upload expired): restarted event, a new upload from byte 0, byte-exact', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        expectPosts: 2,
        faultStates: ['creating'],
        arm: ({ proxy }) => { fault = proxy.inject({ method: 'PATCH', nth: MID, action: 'status', status: 404 }); },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      assert.equal(r.rec.restarted.length, 1, 'one restarted event');
      assert.equal(r.rec.restarted[0].reason?.code, 'upload_gone');
      assert.equal(r.rec.created.length, 2, 'created twice');
      assert.notEqual(r.rec.created[0].url, r.rec.created[1].url);
      assert.equal(r.rec.result.uploadUrl, r.rec.created[1].url, 'the result is the new upload');
    });

    test('503 + Retry-After on POST: the creation is sent again, one upload on the server', { timeout: TIMEOUT }, async () => {
      let fault;
      const r = await run(browser, {
        faultStates: [],
        arm: ({ proxy }) => {
          fault = proxy.inject({ method: 'POST', action: 'status', status: 503, headers: { 'Retry-After': '1' } });
        },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.equal(fault.fired, 1);
      assert.ok(r.rec.states.includes('reconnecting'), describeRun(r));
      const posts = r.proxy.log.filter((e) => e.method === 'POST');
      assert.equal(posts.length, 2, 'POST sent twice, one answered by the proxy');
      assert.ok(posts[1].startedAt - posts[0].endedAt >= 900, 'after Retry-After');
    });

    test('browser offline mid-upload (setOfflineMode): state offline, continues after online', needs(engine, 'offline', { timeout: TIMEOUT }), async () => {
      const times = {};
      const r = await run(browser, {
        faultStates: ['offline'],
        arm: (ctx) => {
          // Hold the 3rd PATCH, take the browser offline, drop the held connection, come back.
          ctx.proxy.inject({ method: 'PATCH', nth: MID, action: 'stall' });
          ctx.proxy.events.once('fault', () => {
            ctx.tasks.push((async () => {
              await ctx.page.setOffline(true);
              times.offline = Date.now();
              ctx.proxy.release();
              await sleep(2000);
              times.online = Date.now();
              await ctx.page.setOffline(false);
            })());
          });
        },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.ok(times.online, 'went offline and online again');
      const net = r.rec.net.map((n) => n.type);
      assert.deepEqual(net, ['offline', 'online'], 'the page saw offline, then online');
      const [offAt, onAt] = r.rec.net.map((n) => n.t);
      const spent = r.rec.reconnecting.filter((x) => x.t > offAt && x.t < onAt);
      assert.equal(spent.length, 0, `no retry spent while offline: ${JSON.stringify(spent)}`);
      const states = r.rec.stateLog;
      assert.ok(states.some((x) => x.s === 'offline' && x.t < onAt), 'offline while the browser was offline');
      assert.ok(states.some((x) => x.s === 'uploading' && x.t > onAt), 'uploading again after online');
      const [recovery] = recoveryTimes(r.rec);
      assert.ok(recovery !== undefined && recovery < 2500, `confirmed new bytes ${recovery} ms after online`);
    });

    // The engine loads on the first start(); offline, it must wait in 'offline' (and never try
    // the import, which Firefox would remember as failed for the page) instead of rejecting.
    test('first start() while offline (engine not loaded yet): waits offline, completes after online',
      needs(engine, 'offline', { timeout: TIMEOUT }), async () => {
        const r = await run(browser, {
          faultStates: [],
          options: { startAgain: 1 },
          arm: async (ctx) => {
            await ctx.page.setOffline(true);
            ctx.tasks.push(sleep(1500).then(async () => {
              ctx.before = await getRun(ctx.page, 'u');
              await ctx.page.setOffline(false);
            }));
          },
        });
        const before = r.ctx.before;
        assert.ok(before.states.includes('offline'), `state offline while offline: ${JSON.stringify(before.states)} ${JSON.stringify(before.failures)}`);
        assert.equal(before.failures.length, 0, `start() did not reject while offline: ${JSON.stringify(before.failures)}`);
        assert.deepEqual(r.problems, [], describeRun(r));
      });

    // A failed engine load (here a 503 on the .wasm) is not cached: the next start() loads again.
    test('one failed .wasm fetch (503) does not stop a later start() from working',
      { timeout: TIMEOUT }, async () => {
        let fault;
        const r = await run(browser, {
          faultStates: [],
          options: { startAgain: 1 },
          arm: ({ proxy }) => { fault = proxy.inject({ method: 'GET', path: /_bg\.wasm$/, action: 'status', status: 503 }); },
        });
        assert.equal(fault.fired, 1);
        assert.deepEqual(r.problems, [], `${describeRun(r)}\nfailures: ${JSON.stringify(r.rec.failures)}`);
      });

    test('proxy refuses connections for 1.5 s (browser stays online): reconnecting, then completes', { timeout: TIMEOUT }, async () => {
      const r = await run(browser, {
        arm: (ctx) => {
          ctx.proxy.inject({ method: 'PATCH', nth: MID, action: 'stall' });
          ctx.proxy.events.once('fault', () => {
            ctx.tasks.push(ctx.proxy.offline({ mode: 'refuse' }).then(() => sleep(1500)).then(() => ctx.proxy.online()));
          });
        },
      });
      assert.deepEqual(r.problems, [], describeRun(r));
      assert.ok(r.rec.reconnecting.length >= 1);
      assert.ok(r.rec.reconnecting.every((x) => x.reason?.kind === 'network'), describeRun(r));
    });

    // Chromium and WebKit refuse to read a picked file that changed (Chromium's fetch fails as
    // if the network had); Firefox reads the new bytes, and ferry notices before the last PATCH.
    test('the file changed on disk mid-upload: fails at once with file_unreadable, never completes', { timeout: TIMEOUT }, async () => {
      const changed = path.join(tmp, `changed-${engine}.bin`);
      await fsp.copyFile(source.path, changed);
      const proxy = await startFaultProxy({ upstream: srv.url });
      const page = await browser.open(`${proxy.url}test/`);
      try {
        await page.pick(changed);
        await setDelay(page, 300);
        await startRun(page, 'u', OPTIONS);
        await untilConfirmed(page, 'u', CHUNK);
        // Another program rewrites it: the same size, other bytes, a new modification time.
        await fsp.writeFile(changed, crypto.randomBytes(SIZE));
        const rec = await untilDone(page, 'u', 30_000);
        assert.deepEqual([rec.ok, rec.error?.kind, rec.error?.code], [false, 'storage', 'file_unreadable'], JSON.stringify(rec.error));
        // WebKit's fetch of a changed file neither sends nor fails: one stall, then the next
        // PATCH finds the file unreadable. Nothing else is retried.
        const retried = rec.reconnecting.map((x) => x.reason?.code);
        assert.ok(retried.length <= 1 && retried.every((code) => code === 'stalled'), `retried: ${retried}`);
        const stored = await fsp.stat(path.join(srv.dataDir, uploadId(rec.url)));
        assert.ok(stored.size < SIZE, `the server holds ${stored.size} of ${SIZE} bytes: the upload must not complete`);
      } finally {
        await page.close().catch(() => {});
        await proxy.close();
      }
    });

    test('abort({ terminate: true }), its DELETE answered 423 (the cancelled PATCH still holds the upload): sent again, the upload is gone', { timeout: TIMEOUT }, async () => {
      const proxy = await startFaultProxy({ upstream: srv.url });
      const page = await browser.open(`${proxy.url}test/`);
      try {
        proxy.inject({ method: 'DELETE', action: 'status', status: 423 });
        const serverDeletes = () => srv.log.filter((e) => e.method === 'DELETE').length;
        const before = serverDeletes();
        await page.pick(source.path);
        await setDelay(page, 300);
        await startRun(page, 'u', OPTIONS);
        await untilConfirmed(page, 'u', CHUNK);
        const aborted = await page.evaluate(() => window.ferryTest.abort('u', true));
        assert.deepEqual([aborted.state, aborted.error], ['aborted', null]);
        const deletes = proxy.log.filter((e) => e.method === 'DELETE');
        assert.deepEqual(deletes.map((e) => e.status), [423, 204], 'the refused DELETE was sent again');
        assert.equal(serverDeletes() - before, 1, 'the server saw the second one');
        const rec = await getRun(page, 'u');
        assert.ok(!rec.states.includes('reconnecting'), rec.states.join(' '));
        await assert.rejects(fsp.stat(path.join(srv.dataDir, uploadId(deletes[0].path))), { code: 'ENOENT' }, 'the upload is gone from the server');
      } finally {
        await page.close().catch(() => {});
        await proxy.close();
      }
    });

    // A start() after a failed run keeps the machine of that run; if another tab holds the
    // file's lock by then, the tab waits, and must then continue what that tab left, not
    // create an upload of its own.
    test('the first POST refused (400); start() again while another tab uploads the same file: waits, then ends on that upload', { timeout: TIMEOUT }, async () => {
      const file = path.join(tmp, `two-tabs-${engine}.bin`);
      await fsp.copyFile(source.path, file);
      const proxy = await startFaultProxy({ upstream: srv.url });
      const tabs = [await browser.open(`${proxy.url}test/`), await browser.open(`${proxy.url}test/`)];
      const [tab1, tab2] = tabs;
      const logStart = Date.now();
      try {
        const fault = proxy.inject({ method: 'POST', action: 'status', status: 400 });
        for (const tab of tabs) await tab.pick(file);
        await startRun(tab1, 'one', OPTIONS);
        const refused = await untilDone(tab1, 'one', 30_000);
        assert.deepEqual([refused.ok, fault.fired, refused.created.length], [false, 1, 0], `the first run failed before creating: ${JSON.stringify(refused.error)}`);
        await setDelay(tab2, 200);
        await startRun(tab2, 'two', OPTIONS);
        await until(tab2, 'two', (r) => r.created.length > 0, 'tab 2 to create its upload');
        await startAgain(tab1, 'one');
        const waiting = await until(tab1, 'one', (r) => r.states.includes('locked') || r.done, 'tab 1 to wait for the lock');
        const lockedAt = waiting.stateLog.find((e) => e.s === 'locked')?.t;
        assert.ok(lockedAt !== undefined, `tab 1 waited for the lock: ${waiting.states.join(' ')}`);
        await setDelay(tab2, 0);
        const two = await untilDone(tab2, 'two');
        const one = await untilDone(tab1, 'one');
        assert.ok(one.ok && two.ok, `both end well: ${JSON.stringify([one.error, two.error])}; tab 1: ${one.states.join(" ")}`);
        const posts = srv.log.filter((e) => e.startedAt >= logStart && e.method === 'POST');
        assert.equal(posts.length, 1, `one upload created: ${posts.length} POSTs reached the server`);
        assert.equal(uploadId(one.result.uploadUrl), uploadId(two.result.uploadUrl), 'tab 1 ended on tab 2\'s upload');
        const sent = one.requests.filter((r) => r.t >= lockedAt).map((r) => r.method);
        assert.deepEqual(sent.filter((m) => m !== 'HEAD'), [], `after the wait tab 1 only asked where the upload stands: ${sent.join(' ')}`);
        await assertStored(srv, posts[0].id, source);
        await removeStored(srv, posts[0].id);
      } finally {
        for (const tab of tabs) await tab.close().catch(() => {});
        await proxy.close();
      }
    });

    test('TUS server process killed (SIGKILL) mid-upload and restarted: same upload completes', { timeout: TIMEOUT }, async () => {
      const dataDir = path.join(tmp, `child-store-${engine}`);
      let child = await startServeProcess({ dataDir });
      const port = child.port;
      const pids = [child.pid];
      try {
        const r = await run(browser, {
          upstream: child.url,
          dataDir,
          arm: (ctx) => {
            const onRequest = (info) => {
              if (info.method !== 'PATCH' || info.uploadOffset < (MID - 1) * CHUNK) return;
              ctx.proxy.events.off('request', onRequest);
              ctx.tasks.push((async () => {
                await sleep(5); // let the PATCH reach the server first
                await child.kill('SIGKILL');
                await sleep(1500);
                child = await startServeProcess({ dataDir, port });
                pids.push(child.pid);
              })());
            };
            ctx.proxy.events.on('request', onRequest);
          },
        });
        assert.equal(pids.length, 2, 'the server was killed and restarted');
        assert.deepEqual(r.problems, [], describeRun(r));
        assert.ok(r.proxy.log.some((e) => e.outcome === 'upstream-error' || e.outcome === 'upstream-aborted'),
          'some request met the dead server');
      } finally {
        await child.kill('SIGTERM');
        await fsp.rm(dataDir, { recursive: true, force: true });
      }
    });

    test('seeded random mix of faults (seed 24, rate 0.3)', { timeout: TIMEOUT }, async (t) => {
      const r = await run(browser, {
        faultStates: ['reconnecting', 'resuming'],
        arm: ({ proxy }) => { proxy.randomFaults({ seed: 24, rate: 0.3, stallMs: 3000 }); },
      });
      const fired = r.proxy.randomLog;
      t.diagnostic(`${fired.length} random faults: ${fired.map((f) => f.kind).join(', ')}; ${r.stats.ms} ms`);
      if (process.env.FAULTS_VERBOSE) t.diagnostic(describeRun(r));
      assert.ok(fired.length >= 2, `at least two random faults fired (${fired.length})`);
      assert.deepEqual(r.problems, [], `${describeRun(r)}\nfaults: ${fired.map((f) => f.kind).join(', ')}`);
    });
  });
}

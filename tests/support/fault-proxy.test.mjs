// Unit tests of the fault-injection proxy (tests/support/fault-proxy.mjs) with `node --test`,
// against a real @tus/server from tests/support/serve.mjs and Node's own fetch as the client: plain
// forwarding, Location, injected statuses, resets after N body bytes (checked with the
// server's HEAD offset), Nth-request matching, stalls, outages, silence until a wake, byte
// counting and the seeded random schedule. It does not start a browser and does not test ferry itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from './serve.mjs';
import { mulberry32, startFaultProxy } from './fault-proxy.mjs';
import { MiB, sleep } from './util.mjs';

let srv;
let proxy;

before(async () => {
  srv = await startServer({ port: 0 });
  proxy = await startFaultProxy({ upstream: srv.url });
});
after(async () => {
  await proxy?.close();
  await srv?.close();
});

const TUS = { 'Tus-Resumable': '1.0.0' };

async function create(size) {
  const res = await fetch(`${proxy.url}files/`, { method: 'POST', headers: { ...TUS, 'Upload-Length': String(size) } });
  assert.equal(res.status, 201);
  return new URL(res.headers.get('location'), proxy.url).href;
}

function patch(url, offset, body) {
  return fetch(url, {
    method: 'PATCH',
    headers: { ...TUS, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
    body,
  });
}

async function offsetOf(url) {
  // Ask the server directly: the proxy may have faults installed.
  const direct = new URL(new URL(url).pathname, srv.url);
  const res = await fetch(direct, { method: 'HEAD', headers: TUS });
  assert.equal(res.status, 200);
  return Number(res.headers.get('upload-offset'));
}

/** Waits until the server's HEAD offset stops changing (an aborted PATCH is flushed async). */
async function settledOffset(url) {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const now = await offsetOf(url).catch(() => -1);
    if (now === last && now >= 0) return now;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

describe('forwarding', () => {
  test('serves the page and the built files through the proxy', async () => {
    const res = await fetch(`${proxy.url}test/`);
    // The fixture may not exist on a fresh checkout; then the upstream's own 404 comes back.
    assert.ok([200, 404].includes(res.status));
    assert.equal(res.headers.get('access-control-allow-origin'), '*', 'upstream headers preserved');
    const entry = proxy.log.at(-1);
    assert.equal(entry.method, 'GET');
    assert.equal(entry.path, '/test/');
    assert.equal(entry.status, res.status);
  });

  test('creates and fills an upload; Location points at the proxy; PATCH bytes are counted', async () => {
    const before = proxy.patchBytesForwarded;
    const url = await create(MiB);
    assert.equal(new URL(url).origin, proxy.origin, `Location ${url} must lead back to the proxy`);
    const body = crypto.randomBytes(MiB);
    const res = await patch(url, 0, body);
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('upload-offset'), String(MiB));
    assert.equal(proxy.patchBytesForwarded - before, MiB);
    const id = new URL(url).pathname.split('/').pop();
    const stored = await fsp.readFile(path.join(srv.dataDir, id));
    assert.ok(stored.equals(body), 'stored bytes equal the sent bytes');
    const e = proxy.log.findLast((x) => x.method === 'PATCH');
    assert.equal(e.bytesIn, MiB);
    assert.equal(e.bytesForwarded, MiB);
    assert.equal(e.status, 204);
    assert.equal(e.outcome, 'forwarded');
  });
});

describe('early answers', () => {
  test('an upstream that answers before the body is in and closes (409) does the same through the proxy', async () => {
    const url = new URL(await create(8 * MiB));
    const res = await new Promise((resolve, reject) => {
      const req = http.request({
        host: url.hostname, port: url.port, path: url.pathname, method: 'PATCH',
        headers: { ...TUS, 'Upload-Offset': '5', 'Content-Type': 'application/offset+octet-stream', 'Content-Length': String(8 * MiB) },
      });
      req.on('response', resolve);
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024)); // the rest never comes: the answer must not wait for it
    });
    assert.equal(res.statusCode, 409);
    assert.equal(res.headers.connection, 'close', 'the client connection closes like the upstream one');
    res.resume();
    res.socket.destroy();
    assert.equal(await offsetOf(url.href), 0);
  });
});

describe('injected answers', () => {
  test('409 injection answers 409 with CORS headers; nothing reaches the server', async () => {
    const url = await create(MiB);
    const logLen = srv.log.length;
    const bytes = proxy.patchBytesForwarded;
    const fault = proxy.inject({ method: 'PATCH', action: 'status', status: 409 });
    const res = await patch(url, 0, crypto.randomBytes(64 * 1024));
    assert.equal(res.status, 409);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-expose-headers'), /Upload-Offset/);
    assert.equal(res.headers.get('tus-resumable'), '1.0.0');
    assert.equal(fault.fired, 1);
    assert.equal(srv.log.length, logLen, 'the server saw nothing');
    assert.equal(proxy.patchBytesForwarded, bytes, 'nothing forwarded');
    assert.equal(await offsetOf(url), 0);
    const e = proxy.log.findLast((x) => x.method === 'PATCH');
    assert.equal(e.fault, 'status 409');
    assert.equal(e.bytesIn, 64 * 1024, 'the body was drained');
    assert.equal(e.reached, false);
    // It fired once: the next PATCH goes through.
    const ok = await patch(url, 0, crypto.randomBytes(MiB));
    assert.equal(ok.status, 204);
  });

  test('503 with Retry-After exposes Retry-After to the page', async () => {
    const fault = proxy.inject({ method: 'HEAD', action: 'status', status: 503, headers: { 'Retry-After': '1' } });
    const url = await create(10);
    const res = await fetch(url, { method: 'HEAD', headers: TUS });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '1');
    assert.match(res.headers.get('access-control-expose-headers'), /Retry-After/);
    assert.equal(fault.fired, 1);
  });

  test('nth: only the 2nd matching request is answered by the fault', async () => {
    const url = await create(3 * 1000);
    const fault = proxy.inject({ method: 'PATCH', nth: 2, action: 'status', status: 500 });
    assert.equal((await patch(url, 0, Buffer.alloc(1000, 1))).status, 204);
    assert.equal((await patch(url, 1000, Buffer.alloc(1000, 2))).status, 500);
    assert.equal((await patch(url, 1000, Buffer.alloc(1000, 2))).status, 204);
    assert.equal(fault.matched, 2);
    assert.equal(fault.fired, 1);
    assert.equal(await offsetOf(url), 2000);
  });

  test('times: Infinity keeps firing until removed', async () => {
    const fault = proxy.inject({ method: 'HEAD', action: 'status', status: 423, times: Infinity });
    const url = await create(10);
    for (let i = 0; i < 3; i++) assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 423);
    fault.remove();
    assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 200);
  });
});

describe('resets', () => {
  for (const n of [0, 300_000, 1_500_000]) {
    test(`reset after ${n} body bytes: the client sees a network error, the server keeps about ${n} bytes`, async () => {
      const size = 2 * MiB;
      const url = await create(size);
      const before = proxy.patchBytesForwarded;
      proxy.inject({ method: 'PATCH', action: 'reset', afterBytes: n });
      const body = crypto.randomBytes(size);
      await assert.rejects(patch(url, 0, body), TypeError, 'fetch fails');
      assert.equal(proxy.patchBytesForwarded - before, n, 'exactly N bytes forwarded');
      // The server keeps what it had written when the connection died: all N bytes, or a
      // little less when it was still behind (Node drops a request's unread buffer on abort).
      const kept = await settledOffset(url);
      assert.ok(kept <= n && kept >= Math.max(0, n - 512 * 1024), `HEAD offset ${kept} after a reset at ${n}`);
      const e = proxy.log.findLast((x) => x.method === 'PATCH');
      assert.equal(e.outcome, 'reset');
      assert.equal(e.bytesForwarded, n);
      // The upload continues from where the server stopped, and ends byte-exact.
      const res = await patch(url, kept, body.subarray(kept));
      assert.equal(res.status, 204);
      const id = new URL(url).pathname.split('/').pop();
      assert.ok((await fsp.readFile(path.join(srv.dataDir, id))).equals(body));
    });
  }
});

describe('stalls and outages', () => {
  test('stall holds a request until its duration ends, then drops the connection', async () => {
    const url = await create(10);
    proxy.inject({ method: 'HEAD', action: 'stall', durationMs: 400 });
    const t0 = Date.now();
    await assert.rejects(fetch(url, { method: 'HEAD', headers: TUS }), TypeError);
    const waited = Date.now() - t0;
    assert.ok(waited >= 350 && waited < 3000, `held for ${waited} ms`);
    assert.equal(proxy.log.findLast((x) => x.method === 'HEAD').outcome, 'stalled');
  });

  test('stall without duration lasts until release(); a client timeout ends it too', async () => {
    const url = await create(10);
    proxy.inject({ method: 'HEAD', action: 'stall' });
    let settled = false;
    const p = fetch(url, { method: 'HEAD', headers: TUS }).finally(() => { settled = true; });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(settled, false, 'still waiting');
    proxy.release();
    await assert.rejects(p, TypeError);
    proxy.inject({ method: 'HEAD', action: 'stall' });
    await assert.rejects(fetch(url, { method: 'HEAD', headers: TUS, signal: AbortSignal.timeout(200) }));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(proxy.log.findLast((x) => x.method === 'HEAD').outcome, 'stalled', 'client abort ended the stall');
  });

  test('dropConnections() fails what is in flight; the next request works', async () => {
    const url = await create(10);
    proxy.inject({ method: 'HEAD', action: 'stall' });
    const p = fetch(url, { method: 'HEAD', headers: TUS });
    await new Promise((r) => setTimeout(r, 200));
    proxy.dropConnections();
    await assert.rejects(p, TypeError);
    assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 200);
  });

  test('offline refuse: connections are refused, then work again on the same port', async () => {
    const url = await create(10);
    await proxy.offline({ mode: 'refuse' });
    const err = await fetch(url, { method: 'HEAD', headers: TUS }).catch((e) => e);
    assert.ok(err instanceof TypeError);
    assert.equal(err.cause?.code, 'ECONNREFUSED');
    await proxy.online();
    assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 200);
  });

  test('offline blackhole with a duration: requests hang, then fail; later ones succeed', async () => {
    const url = await create(10);
    await proxy.offline({ mode: 'blackhole', durationMs: 400 });
    const t0 = Date.now();
    await assert.rejects(fetch(url, { method: 'HEAD', headers: TUS }), TypeError);
    assert.ok(Date.now() - t0 >= 300, 'it hung first');
    assert.equal(proxy.offlineMode, null);
    assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 200);
  });
});

describe('silence', () => {
  /** A raw connection to the proxy: what it heard, and whether it ever ended. */
  function connect() {
    const c = { socket: net.connect(proxy.port, '127.0.0.1'), heard: '', ended: false };
    c.socket.on('data', (d) => { c.heard += d; });
    for (const ev of ['end', 'close', 'error']) c.socket.on(ev, () => { c.ended = true; });
    return c;
  }

  /** A HEAD over a new connection (fetch could pick a pooled one that the silence took). */
  function freshHead(url) {
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method: 'HEAD', headers: TUS, agent: false }, (res) => { res.resume(); resolve(res.statusCode); });
      req.on('error', reject);
      req.end();
    });
  }

  test('open connections go silent for good (no answer, no close); new ones are refused until wake', async () => {
    const url = new URL(await create(1000));
    const head = `HEAD ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n\r\n`;
    // An idle keep-alive connection, and a PATCH whose body is half sent on another.
    const idle = connect();
    idle.socket.write(head);
    for (let i = 0; i < 50 && !idle.heard.includes('\r\n\r\n'); i++) await sleep(20);
    assert.match(idle.heard, /^HTTP\/1\.1 200/);
    const patch = connect();
    patch.socket.write(`PATCH ${url.pathname} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n`
      + 'Content-Type: application/offset+octet-stream\r\nContent-Length: 200\r\n\r\n');
    patch.socket.write(Buffer.alloc(100, 1));
    await sleep(300);
    proxy.silence();
    patch.socket.write(Buffer.alloc(100, 2));
    idle.heard = '';
    idle.socket.write(head);
    await assert.rejects(freshHead(url), /ECONNRESET|socket hang up/, 'a new connection is refused');
    await sleep(600);
    assert.equal(idle.heard, '', 'the idle connection answers nothing');
    assert.equal(patch.heard, '', 'the PATCH in flight is never answered');
    assert.equal(await settledOffset(url.href), 100, 'only the bytes sent before the silence reached the server');
    proxy.wake();
    assert.equal(await freshHead(url), 200, 'new connections work again');
    idle.socket.write(head);
    await sleep(300);
    assert.equal(idle.heard, '', 'the silenced connection stays silent');
    assert.equal(idle.ended || patch.ended, false, 'no FIN and no reset ever reached the client');
    assert.ok(proxy.log.some((e) => e.outcome === 'silenced' && e.method === 'HEAD'));
    idle.socket.destroy();
    patch.socket.destroy();
    // Pooled connections of this process's fetch were silenced too: end them for the next tests.
    proxy.dropConnections();
  });
});

describe('random faults', () => {
  test('mulberry32 is deterministic and spread over [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 1000 }, () => b()));
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05, `mean ${mean}`);
    assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, mulberry32(43)));
    // Neighbouring seeds start unrelated: the first draws of seeds 1..200 spread over [0, 1).
    const firsts = Array.from({ length: 200 }, (_, i) => mulberry32(i + 1)());
    const low = firsts.filter((x) => x < 0.5).length;
    assert.ok(low > 70 && low < 130, `${low} of 200 first draws below 0.5`);
    for (let i = 1; i < firsts.length; i++) assert.ok(Math.abs(firsts[i] - firsts[i - 1]) > 1e-6);
  });

  test('the same seed gives the same schedule of faults', async () => {
    const url = await create(10);
    const schedule = async (seed) => {
      proxy.randomFaults({ seed, rate: 0.4, kinds: ['500', '503', '423'] });
      const statuses = [];
      for (let i = 0; i < 25; i++) statuses.push((await fetch(url, { method: 'HEAD', headers: TUS })).status);
      const fired = proxy.randomFired.map((f) => f.status);
      proxy.clearFaults();
      return { statuses, fired };
    };
    const a = await schedule(7);
    const b = await schedule(7);
    assert.deepEqual(a, b);
    assert.ok(a.fired.length > 3 && a.fired.length < 20, `${a.fired.length} faults in 25 at rate 0.4`);
    assert.deepEqual(a.statuses.filter((s) => s !== 200), a.fired);
    const c = await schedule(8);
    assert.notDeepEqual(a.statuses, c.statuses);
  });
});

describe('corrupt, throttle and pages', () => {
  test('corrupt flips the one byte at `at` of the nth PATCH body and logs it; the others pass unchanged', async () => {
    const url = await create(2 * MiB);
    const fault = proxy.inject({ method: 'PATCH', nth: 2, action: 'corrupt', at: 4321 });
    const body = crypto.randomBytes(MiB);
    assert.equal((await patch(url, 0, body.subarray(0, MiB / 2))).status, 204);
    assert.equal((await patch(url, MiB / 2, body.subarray(MiB / 2))).status, 204);
    assert.equal(fault.fired, 1);
    const [first, second] = proxy.log.filter((e) => e.method === 'PATCH').slice(-2);
    assert.deepEqual([first.corrupted, second.corrupted], [false, true]);
    assert.equal(second.fault, 'corrupt');
    const stored = await fsp.readFile(path.join(srv.dataDir, new URL(url).pathname.split('/').pop()));
    const expected = Buffer.from(body);
    expected[MiB / 2 + 4321] ^= 0xff;
    assert.ok(stored.subarray(0, MiB).equals(expected), 'exactly that byte differs');
  });

  test('throttle holds PATCH bodies to the rate and delays each request by the round trip; null lifts it', async () => {
    const url = await create(2 * MiB);
    proxy.throttle({ bytesPerSec: 2 * MiB, delayMs: 100 });
    try {
      const t0 = Date.now();
      assert.equal((await patch(url, 0, crypto.randomBytes(MiB))).status, 204);
      const ms = Date.now() - t0;
      assert.ok(ms >= 500 + 200 && ms < 5000, `1 MiB at 2 MiB/s plus 2 x 100 ms took ${ms} ms`);
      const t1 = Date.now();
      assert.equal((await fetch(url, { method: 'HEAD', headers: TUS })).status, 200);
      assert.ok(Date.now() - t1 >= 200, 'a HEAD costs the round trip too');
    } finally {
      proxy.throttle(null);
    }
    const t2 = Date.now();
    assert.equal((await patch(url, MiB, crypto.randomBytes(MiB))).status, 204);
    assert.ok(Date.now() - t2 < 500, 'unthrottled again');
    assert.ok(proxy.log.at(-1).connection >= 1, 'exchanges name their client connection');
  });

  test('pages: every path outside tusPath comes from the pages origin, TUS requests from the upstream', async () => {
    const pages = await startServer({ port: 0 });
    const front = await startFaultProxy({ upstream: srv.url, pages: pages.url });
    try {
      const before = [srv.log.length, pages.log.length];
      assert.equal((await fetch(`${front.url}test/`)).status, 200);
      const res = await fetch(`${front.url}files/`, { method: 'POST', headers: { ...TUS, 'Upload-Length': '5' } });
      assert.equal(res.status, 201);
      assert.deepEqual([srv.log.length - before[0], pages.log.length - before[1]], [1, 0], 'the POST reached the upstream only');
    } finally {
      await front.close();
      await pages.close();
    }
  });
});

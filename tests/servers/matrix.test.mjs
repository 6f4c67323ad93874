// Server interop matrix: the built package (dist/) in headless Chromium and Firefox against
// every real TUS server the harness starts (tests/support/servers.mjs: @tus/server with a
// FileStore, @tus/server with @tus/s3-store on SeaweedFS, rustus, tuspyserver, the SeaweedFS
// filer's own TUS endpoint), one scenario table for all of them, files picked from disk
// through <input type=file> (the test page tests/support/page/):
//   upload       a multi-chunk upload, read back byte for byte from the server's storage (for
//                S3 the completed object through the S3 API); its time gives MB/s
//   interrupted  a PATCH cut by tests/support/fault-proxy.mjs halfway: ferry learns the offset
//                (HEAD) and continues from what the server kept (rustus keeps nothing)
//   page-close   the page closed mid-upload; a new page picks the same file and continues the
//                session stored in IndexedDB (no second POST, HEAD first)
//   termination  abort({ terminate: true }): DELETE, then the upload is gone on the server
//   limit        rustus's default 256 KiB body limit (413, ferry halves its chunks and
//                finishes) or Tus-Max-Size (a clear error, at creation or on the PATCH over it)
//   finished     the same file again after a completed upload with keepSession: nothing is
//                resent where HEAD still knows the upload; SeaweedFS forgets finished uploads
//                (HEAD 404), so ferry starts over and the bytes are still right
//   checksum     checksum: true: rustus gets Upload-Checksum sha256 on every PATCH and a byte
//                flipped on the way is refused (417) and resent; servers without the checksum
//                extension get plain PATCHes and ferry says so (checksum_unsupported)
//   parallel     parallelUploads: 3: concatenation where the server has it, one stream otherwise
//   lost-part    parallelUploads: 2 where the server concatenates: just before the final POST
//                reaches it, the proxy deletes the second part (DELETE, termination); ferry
//                asks the parts again, sends the lost one anew and joins, byte-exact
//   changed-parts parallelUploads: 2 where the server concatenates: once the last part is
//                complete, the file is rewritten on disk while the first part still sends; the
//                upload fails with file_unreadable and no final POST joins the two files
//   recording    a real MediaRecorder (canvas captureStream) as the source: with
//                creation-defer-length, PATCHes while it records and Upload-Length with the last;
//                without, the `deferred_length_unsupported` fallback (buffered, then one upload
//                with its length); byte-exact against the recorder's output, one upload
// At the end it writes the servers x features x result table to test-output/server-matrix.md
// and, with FERRY_MATRIX_DOCS=1 (`npm run servers:docs`), into README.md (between the
// server-matrix markers) and BENCHMARKS.md (section "## Servers"). FERRY_MATRIX=quick (what
// `npm test` sets) times one upload per server and browser instead of three and skips the
// Node baseline; every scenario still runs. FERRY_MATRIX_SERVERS, _BROWSERS and _SCENARIOS
// (comma-separated) narrow a run down while debugging; such a run never touches the docs.
// Needs `node scripts/build.mjs` and scripts/setup.sh first. It mocks nothing, uses 127.0.0.1
// only and stops only the processes and browsers it starts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENGINES as BROWSERS } from '../support/browsers.mjs';
import { engines, launch as launchBrowser, needs } from '../support/page-driver.mjs';
import { listSessions, setDelay, startRun, until } from '../support/recorder.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { LABELS, MiB, SERVER_KEYS, nodeUpload, startMatrixServers } from '../support/servers.mjs';
import { NAMES, writeDocs } from './report.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { sleep } from '../support/util.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const QUICK = process.env.FERRY_MATRIX === 'quick';
const ONLY = process.env.FERRY_MATRIX_SERVERS ? process.env.FERRY_MATRIX_SERVERS.split(',') : SERVER_KEYS;
// Every engine (FERRY_ENGINES, or FERRY_MATRIX_BROWSERS, picks some).
const IN_BROWSERS = process.env.FERRY_MATRIX_BROWSERS ? process.env.FERRY_MATRIX_BROWSERS.split(',') : engines();
const WRITE_DOCS = process.env.FERRY_MATRIX_DOCS === '1';
const TIMEOUT = 180_000;
const RETRY = { baseDelay: 100, maxDelay: 1000 };
const BASE = { retry: RETRY, stallTimeout: 10_000, progressInterval: 10 };
const SPEED = { size: 32 * MiB, chunk: 4 * MiB, reps: QUICK ? 1 : 3 };


let tmp;
let stack;
const results = {}; // key -> scenario -> browser -> { ok, note }
const speeds = {}; // key -> browser -> [MB/s]
const baselines = {}; // key -> [MB/s] of one streaming PATCH from Node
const observations = new Set(); // browser behaviour seen along the way, for the report
const started = Date.now();

function record(key, scenario, browser, ok, note) {
  results[key] ??= {};
  results[key][scenario] ??= {};
  results[key][scenario][browser] = { ok, note };
}

/**
 * Runs `fn` as scenario `scenario` of `key` in `browser`, recording its outcome for the table;
 * where `browser` lacks capability `cap`, the test is skipped with its reason (needs()).
 */
function scenarioTest(key, browser, scenario, title, fn, cap) {
  const options = cap ? needs(browser, cap, { timeout: TIMEOUT }) : { timeout: TIMEOUT };
  if (options.skip) record(key, scenario, browser, null, `can.${cap}`);
  test(`${scenario}: ${title}`, options, async (t) => {
    try {
      const note = await fn();
      if (note instanceof NotApplicable) {
        record(key, scenario, browser, null, note.why);
        t.skip(`server.${note.feature}: ${note.why}`);
        return;
      }
      record(key, scenario, browser, true, note ?? '');
    } catch (err) {
      record(key, scenario, browser, false, String(err?.message ?? err).split('\n')[0].slice(0, 160));
      throw err;
    }
  });
}

/**
 * What a scenario returns when the server lacks `feature` (a TUS extension) it needs: counted
 * as not applicable (`server.<feature>` in the summary) and shown as such in the table.
 */
class NotApplicable {
  constructor(feature, why) {
    this.feature = feature;
    this.why = why;
  }
}

/** NotApplicable unless `server` offers the TUS extension `extension`. */
function lacks(server, extension) {
  return server.options.extensions.includes(extension) ? null : new NotApplicable(extension, `no ${extension} extension`);
}

// ---- files ----------------------------------------------------------------------------------

/** Writes `size` random bytes to a new file named `name`; { path, name, size, sha256 }. */
async function randomFile(name, size) {
  const p = path.join(tmp, 'files', name);
  await fsp.mkdir(path.dirname(p), { recursive: true });
  return { ...(await writeRandomFile(p, size)), name };
}

/** A sparse file of `size` zero bytes (for uploads a server refuses by size). */
async function sparseFile(name, size) {
  const p = path.join(tmp, 'files', name);
  await fsp.mkdir(path.dirname(p), { recursive: true });
  await fsp.writeFile(p, '');
  await fsp.truncate(p, size);
  return { path: p, name, size, sha256: null };
}

// ---- the page (tests/support/page/, through tests/support/page-driver.mjs) ----------------------

const finished = (page, id) => until(page, id, (r) => r.done, `run ${id} to finish`, TIMEOUT - 20_000);

/** Progress only grows, except right after a `restarted` event (the server lost bytes). */
function assertMonotonic(run, size) {
  let previous = 0;
  const restarts = run.restarted.map((r) => r.t);
  for (const { bytesConfirmed: b, t } of run.progress) {
    while (restarts.length > 0 && restarts[0] <= t) { restarts.shift(); previous = 0; }
    assert.ok(b >= previous, `progress decreased: ${previous} -> ${b}`);
    assert.ok(b <= size, `progress beyond the size: ${b}`);
    previous = b;
  }
  assert.equal(run.progress.at(-1)?.bytesConfirmed, size, 'progress ends at the file size');
}

function assertOk(run, what = 'the upload') {
  assert.ok(run.ok, `${what} failed: ${JSON.stringify(run.error)} states: ${run.states.join(' ')}`);
}

async function assertStored(server, url, file) {
  const got = await server.read(url, file.name);
  assert.equal(got.size, file.size, `stored size on ${server.key}`);
  assert.equal(got.sha256, file.sha256, `stored SHA-256 on ${server.key} equals the source`);
  if (got.contentLength !== undefined) assert.equal(got.contentLength, file.size, 'S3 object ContentLength');
}

function fmtBytes(n) {
  if (n % MiB === 0) return `${n / MiB} MiB`;
  if (n % 1024 === 0) return `${n / 1024} KiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(2)} MiB`;
  return n >= 1024 ? `${(n / 1024).toFixed(0)} KiB` : `${n} B`;
}
const pathOf = (url) => new URL(url, 'http://x').pathname;

// ---- routing: the page, the endpoint, an optional proxy in between ------------------------------

/**
 * Where the page lives and where it sends TUS requests for `server`, optionally through a
 * proxy (`via`, with .url and .origin). CORS servers: the page stays on the static front and
 * the endpoint is absolute (the proxy's or the server's origin); the same-origin server: the
 * page is served by the proxy (or the server's own front) and the endpoint is a path.
 */
function route(server, via) {
  if (server.sameOrigin) {
    const base = via ? via.url : server.front.url;
    return { pageUrl: `${base}test/`, endpoint: (name) => server.endpointPath(name) };
  }
  return {
    pageUrl: `${stack.front.url}test/`,
    endpoint: (name) => `${via ? via.origin : server.origin}${server.endpointPath(name)}`,
  };
}

const upstreamOf = (server) => (server.sameOrigin ? server.front.url : `${server.origin}/`);

// ---- scenarios --------------------------------------------------------------------------------

async function scenarioUpload(browser, bname, server) {
  const { pageUrl, endpoint } = route(server);
  const page = await browser.open(pageUrl);
  const mbs = [];
  let patches;
  try {
    for (let rep = 0; rep < SPEED.reps; rep++) {
      const file = await randomFile(`${bname}-${server.key}-upload-${rep}.bin`, SPEED.size);
      await page.pick(file.path);
      await startRun(page, 'up', { ...BASE, endpoint: endpoint(file.name), chunkSize: SPEED.chunk });
      const run = await finished(page, 'up');
      assertOk(run);
      assert.equal(run.result.bytesTotal, file.size);
      const methods = run.requests.map((r) => r.method);
      assert.equal(methods.filter((m) => m === 'POST').length, 1, `one POST: ${methods.join(' ')}`);
      patches = methods.filter((m) => m === 'PATCH').length;
      assert.ok(patches >= SPEED.size / SPEED.chunk, `at least ${SPEED.size / SPEED.chunk} PATCHes: ${methods.join(' ')}`);
      assertMonotonic(run, file.size);
      await assertStored(server, run.result.uploadUrl, file);
      mbs.push(file.size / 1e6 / (run.ms / 1000));
      // The same file from Node in one streaming PATCH, right after: the baseline for ratios.
      if (!QUICK) {
        baselines[server.key] ??= [];
        baselines[server.key].push(await nodeUpload(server, file));
      }
      await fsp.rm(file.path);
    }
  } finally {
    await page.close();
  }
  speeds[server.key] ??= {};
  speeds[server.key][bname] = mbs;
  const median = [...mbs].sort((a, b) => a - b)[Math.floor(mbs.length / 2)];
  console.log(`# ${bname} ${server.key}: ${mbs.map((x) => x.toFixed(0)).join(', ')} MB/s (median ${median.toFixed(0)})`);
  return `${patches} PATCHes, ${server.key === 'tus-s3' ? 'S3 object' : 'stored file'} byte-exact`;
}

async function scenarioInterrupted(browser, bname, server) {
  const size = 12 * MiB;
  const chunk = 2 * MiB;
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  try {
    const file = await randomFile(`${bname}-${server.key}-interrupted.bin`, size);
    await page.pick(file.path);
    // Cut the 2nd PATCH halfway. Both browsers resend a request on their own when a reused
    // keep-alive connection dies before any answer (ferry never learns of it); such a resend
    // (same offset, no HEAD since the cut) is cut too, so that ferry itself sees the failure.
    let patches = 0;
    let cutOffset = null;
    let headSinceCut = false;
    proxy.events.on('request', (info) => { if (info.method === 'HEAD' && cutOffset !== null) headSinceCut = true; });
    const fault = proxy.inject({
      method: 'PATCH', action: 'reset', afterBytes: chunk / 2, times: Infinity,
      when: (info) => {
        if (cutOffset === null) {
          if (++patches < 2) return false;
          cutOffset = info.uploadOffset;
          return true;
        }
        return !headSinceCut && info.uploadOffset === cutOffset;
      },
    });
    await startRun(page, 'cut', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk });
    const run = await finished(page, 'cut');
    assertOk(run);
    assert.ok(fault.fired >= 1, 'the PATCH was cut');
    await assertStored(server, run.result.uploadUrl, file);
    assertMonotonic(run, size);
    const log = proxy.log;
    assert.equal(log.filter((e) => e.method === 'POST' && e.reached).length, 1, 'exactly one upload created');
    const cutAt = log.findLastIndex((e) => e.fault?.startsWith('reset'));
    const cut = log[cutAt];
    const browserResends = fault.fired - 1;
    const head = log.slice(cutAt + 1).find((e) => e.method === 'HEAD' && e.status === 200);
    assert.ok(head, `a HEAD learned the offset after the cut: ${JSON.stringify(log.slice(cutAt).map((e) => [e.method, e.status, e.responseOffset]))}`);
    const kept = head.responseOffset - cut.uploadOffset;
    assert.ok(kept >= 0 && kept <= chunk / 2, `the server kept ${kept} bytes of the ${chunk / 2} that reached it`);
    const nextPatch = log.slice(log.indexOf(head) + 1).find((e) => e.method === 'PATCH');
    assert.equal(nextPatch.uploadOffset, head.responseOffset, 'the next PATCH starts at the offset HEAD reported');
    const forwarded = proxy.patchBytesForwarded;
    const trail = () => log.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.uploadOffset ?? ''}+${e.bytesForwarded} ${e.status ?? e.outcome}${e.responseOffset !== null ? `→${e.responseOffset}` : ''}`).join(', ');
    // Each PATCH that did not end in a 2xx may cost up to a chunk: the cut one, and in Firefox
    // the browser's own silent resend of it (it retries a request whose connection was reset;
    // the server answers that one 409 when it kept bytes of the first).
    const failedPatches = log.filter((e) => e.method === 'PATCH' && !(e.status >= 200 && e.status < 300)).length;
    const ferryPatches = run.requests.filter((r) => r.method === 'PATCH').length;
    const wirePatches = log.filter((e) => e.method === 'PATCH').length;
    assert.ok(forwarded <= size + failedPatches * chunk, `PATCH bytes ${forwarded} <= size + ${failedPatches} failed PATCHes × chunk: ${trail()}; ferry sent ${ferryPatches} PATCHes`);
    assert.ok(failedPatches <= fault.fired + 1, `only the cut PATCHes (and maybe a resend answered 409/423) failed: ${trail()}`);
    assert.equal(ferryPatches, wirePatches - browserResends, `ferry's PATCHes are the wire's minus the browser's own resends: ${trail()}`);
    assert.ok(run.states.includes('reconnecting') || run.states.includes('resuming'), `states show the fault: ${run.states.join(' ')}`);
    await fsp.rm(file.path);
    if (browserResends > 0) observations.add(`${NAMES[bname]} resent a PATCH cut mid-body on its own (same offset, before any HEAD); the resend was cut too`);
    console.log(`# ${bname} ${server.key} interrupted: kept ${kept} of ${chunk / 2}: ${trail()}`);
    if (!server.sameOrigin) {
      // Cross-origin, every non-simple request needs a CORS preflight unless the browser has
      // it cached (Access-Control-Max-Age); count them against ferry's own requests.
      const preflights = log.filter((e) => e.method === 'OPTIONS').length;
      const ferryRequests = run.requests.length;
      if (preflights >= ferryRequests) {
        observations.add(`${NAMES[bname]} sent a CORS preflight (OPTIONS) before every POST, HEAD and PATCH ferry made to a cross-origin server`);
      }
    }
    return kept === 0 ? 'kept nothing of the 1 MiB that reached it; resumed from the chunk start'
      : 'kept the bytes that reached it; resumed there';
  } finally {
    await page.close();
    await proxy.close();
  }
}

async function scenarioPageClose(browser, bname, server) {
  const size = 12 * MiB;
  const chunk = 1 * MiB;
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  try {
    const file = await randomFile(`${bname}-${server.key}-pageclose.bin`, size);
    const page1 = await browser.open(pageUrl);
    await page1.pick(file.path);
    await setDelay(page1, 100);
    await startRun(page1, 'a', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk });
    const run1 = await until(page1, 'a', (r) => r.confirmed >= 4 * MiB || r.done, '4 MiB confirmed');
    assert.ok(!run1.done, `the upload ended before the page was closed: ${JSON.stringify(run1.error)}`);
    const closedAt = run1.confirmed;
    const url = run1.url;
    await page1.close();
    const closeIndex = proxy.log.length;

    const page2 = await browser.open(pageUrl);
    try {
      const listed = await listSessions(page2);
      const rec = listed.find((s) => s.uploadUrl && pathOf(s.uploadUrl) === pathOf(url));
      assert.ok(rec, `the session is stored in IndexedDB: ${JSON.stringify(listed.map((s) => s.uploadUrl))}`);
      // The record is written at most twice a second: it may lag what the page saw.
      assert.ok(rec.bytesConfirmed <= closedAt + chunk, `stored bytesConfirmed ${rec.bytesConfirmed}`);
      await page2.pick(file.path);
      await startRun(page2, 'b', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk });
      const run2 = await finished(page2, 'b');
      assertOk(run2, 'the continued upload');
      assert.equal(pathOf(run2.result.uploadUrl), pathOf(url), 'the same upload was continued');
      const methods = run2.requests.map((r) => r.method);
      assert.ok(!methods.includes('POST'), `no POST from the new page: ${methods.join(' ')}`);
      assert.equal(methods[0], 'HEAD', `the new page asks the offset first: ${methods.join(' ')}`);
      const after = proxy.log.slice(closeIndex);
      const head = after.find((e) => e.method === 'HEAD' && e.status === 200);
      const firstPatch = after.find((e) => e.method === 'PATCH');
      assert.ok(head && firstPatch, 'HEAD then PATCH through the proxy');
      assert.equal(firstPatch.uploadOffset, head.responseOffset, 'continues at the offset HEAD reported');
      assert.ok(head.responseOffset >= closedAt, `the server still has the ${closedAt} bytes the page saw confirmed (HEAD ${head.responseOffset})`);
      assert.equal(proxy.log.filter((e) => e.method === 'POST' && e.reached).length, 1, 'one upload created in all');
      assertMonotonic(run2, size);
      await assertStored(server, run2.result.uploadUrl, file);
      const listedAfter = await listSessions(page2);
      assert.ok(!listedAfter.some((s) => s.key === rec.key), 'the session is gone after completion');
      await fsp.rm(file.path);
      return 'new page: HEAD, no 2nd POST, byte-exact';
    } finally {
      await page2.close();
    }
  } finally {
    await proxy.close();
  }
}

async function scenarioTermination(browser, bname, server) {
  const size = 12 * MiB;
  const chunk = 1 * MiB;
  assert.ok(server.options.extensions.includes('termination'), `${server.key} advertises termination: ${server.options.extensions}`);
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  try {
    const file = await randomFile(`${bname}-${server.key}-terminate.bin`, size);
    await page.pick(file.path);
    await setDelay(page, 100);
    await startRun(page, 't', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk });
    const run = await until(page, 't', (r) => r.confirmed >= 2 * MiB || r.done, '2 MiB confirmed');
    assert.ok(!run.done, 'still uploading when aborted');
    await setDelay(page, 0);
    const aborted = await page.evaluate(() => window.ferryTest.abort('t', true));
    assert.equal(aborted.state, 'aborted', `abort: ${JSON.stringify(aborted)}`);
    // A DELETE refused for now (423: the cancelled PATCH still holds the upload) is sent again.
    const del = proxy.log.filter((e) => e.method === 'DELETE');
    const statuses = del.map((e) => e.status).join(', ');
    assert.ok(del.length >= 1 && del.length <= 4, `one DELETE, sent again at most 3 times: ${statuses}`);
    assert.ok(del.slice(0, -1).every((e) => e.status === 423 || e.status >= 500), `only a refusal for now is sent again: ${statuses}`);
    assert.ok(del.at(-1).status >= 200 && del.at(-1).status < 300, `DELETE answered ${statuses}`);
    const gone = await server.gone(run.url, file.name);
    assert.ok([404, 410].includes(gone.head.status), `HEAD after termination: ${gone.head.status}`);
    assert.equal(gone.stored, false, `the upload's data and info are gone from ${server.key}'s storage`);
    const listed = await listSessions(page);
    assert.ok(!listed.some((s) => s.uploadUrl && pathOf(s.uploadUrl) === pathOf(run.url)), 'the session record is gone');
    await fsp.rm(file.path);
    const left = gone.leftovers?.length ? `; left behind: ${gone.leftovers.map((k) => k.replace(/^[0-9a-f]{20,}/, '<id>')).join(', ')}` : '';
    return `DELETE ${del.map((e) => e.status).join(' → DELETE ')} → HEAD ${gone.head.status}, data gone${left}`;
  } finally {
    await page.close();
    await proxy.close();
  }
}

async function scenarioLimit(browser, bname, server) {
  const limit = server.limit;
  const target = limit.server;
  const proxy = await startFaultProxy({ upstream: upstreamOf(target) });
  const { pageUrl, endpoint } = route(target, proxy);
  const page = await browser.open(pageUrl);
  try {
    if (limit.kind === 'body') {
      // A body limit: 413 on big PATCHes; ferry halves its chunks until they pass.
      const file = await randomFile(`${bname}-${server.key}-limit.bin`, 4 * MiB);
      await page.pick(file.path);
      await startRun(page, 'l', { ...BASE, endpoint: endpoint(file.name), chunkSize: 1 * MiB });
      const run = await finished(page, 'l');
      assertOk(run);
      await assertStored(target, run.result.uploadUrl, file);
      const patches = proxy.log.filter((e) => e.method === 'PATCH');
      const refused = patches.filter((e) => e.status === 413);
      const accepted = patches.filter((e) => e.status === 204);
      assert.ok(refused.length >= 1, `the server refused a big body: ${patches.map((e) => `${e.contentLength}:${e.status}`).join(' ')}`);
      const biggest = Math.max(...accepted.map((e) => e.contentLength));
      assert.ok(biggest <= limit.value, `accepted bodies <= ${limit.value}: ${biggest}`);
      assert.equal(patches.at(-1).status, 204);
      const ferryPatches = run.requests.filter((r) => r.method === 'PATCH').length;
      if (patches.length > ferryPatches) observations.add(`${NAMES[bname]} sent a refused PATCH (413 answered before the body was read) again on its own`);
      const asNetwork = run.events.filter((e) => e.type === 'reconnecting' && e.payload.reason?.code === 'network_error').length;
      if (asNetwork) observations.add(`${NAMES[bname]} sometimes reported a 413 answered before the body was read as a network error; ferry retried the same chunk until the 413 came through`);
      console.log(`# ${bname} ${server.key} limit: ${patches.length} PATCHes on the wire, ${ferryPatches} from ferry: ${patches.map((e) => `${e.uploadOffset}+${e.contentLength}:${e.status ?? e.outcome}`).join(' ')}; ferry: ${run.requests.map((r) => r.method).join(' ')}`);
      await fsp.rm(file.path);
      return `413 → halved to ${fmtBytes(biggest)} chunks, byte-exact`;
    }
    // Tus-Max-Size: a file one byte over it.
    assert.equal(target.options.maxSize, limit.value, `OPTIONS Tus-Max-Size is ${limit.value}`);
    const file = await sparseFile(`${bname}-${server.key}-toolarge.bin`, limit.value + 1);
    await page.pick(file.path);
    await startRun(page, 'l', { ...BASE, endpoint: endpoint(file.name), chunkSize: 8 * MiB });
    const run = await finished(page, 'l');
    assert.equal(run.ok, false, 'an upload over Tus-Max-Size does not complete');
    const e = run.error;
    assert.ok(e.isFerryError, `a FerryError: ${JSON.stringify(e)}`);
    assert.ok(e.status === 413 || e.code === 'too_large', `413 or too_large: ${JSON.stringify(e)}`);
    assert.ok(e.message && e.message.length > 10, 'the message says something');
    const posts = proxy.log.filter((x) => x.method === 'POST');
    let note;
    if (posts[0]?.status === 413) {
      assert.equal(proxy.log.filter((x) => x.method === 'PATCH').length, 0, 'nothing PATCHed after a refused creation');
      note = `POST 413 → \`${e.code}\``;
    } else {
      const refused = proxy.log.find((x) => x.method === 'PATCH' && x.status === 413);
      note = `created, then PATCH 413 at ${fmtBytes(refused.uploadOffset)} → \`${e.code}\``;
    }
    // With checksums on, ferry reads Tus-Max-Size first (OPTIONS) and sends nothing else.
    const before = proxy.log.length;
    await startRun(page, 'l2', { ...BASE, endpoint: endpoint(`2-${file.name}`), chunkSize: 8 * MiB, checksum: true });
    const run2 = await finished(page, 'l2');
    assert.equal(run2.ok, false);
    assert.equal(run2.error.code, 'too_large', `checksum: true fails with too_large: ${JSON.stringify(run2.error)}`);
    const sent = proxy.log.slice(before).map((x) => x.method);
    assert.ok(!sent.includes('POST') && !sent.includes('PATCH'), `nothing but OPTIONS sent: ${sent.join(' ')}`);
    await fsp.rm(file.path);
    return `${note}; with \`checksum\`: OPTIONS → \`too_large\`, no POST`;
  } finally {
    await page.close();
    await proxy.close();
  }
}

async function scenarioFinished(browser, bname, server) {
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  try {
    const file = await randomFile(`${bname}-${server.key}-finished.bin`, 2 * MiB);
    await page.pick(file.path);
    const opts = { ...BASE, endpoint: endpoint(file.name), chunkSize: 1 * MiB, keepSession: true };
    await startRun(page, 'f1', opts);
    const run1 = await finished(page, 'f1');
    assertOk(run1, 'the first upload');
    await assertStored(server, run1.result.uploadUrl, file);
    const mark = proxy.log.length;
    await startRun(page, 'f2', opts);
    const run2 = await finished(page, 'f2');
    assertOk(run2, 'the second start of the same file');
    const again = proxy.log.slice(mark).filter((e) => ['POST', 'HEAD', 'PATCH'].includes(e.method));
    const head = again.find((e) => e.method === 'HEAD');
    assert.ok(head, `the stored session was checked with HEAD: ${again.map((e) => e.method).join(' ')}`);
    let note;
    if (head.status === 200) {
      assert.equal(head.responseOffset, file.size, 'HEAD: the upload is complete');
      assert.deepEqual(again.map((e) => e.method), ['HEAD'], 'nothing resent');
      assert.equal(run2.result.uploadUrl, run1.result.uploadUrl);
      note = 'HEAD 200: nothing resent';
    } else {
      assert.ok([404, 410].includes(head.status), `HEAD ${head.status}`);
      assert.ok(run2.events.some((e) => e.type === 'restarted'), 'a restarted event says why it starts over');
      assert.equal(again.filter((e) => e.method === 'POST').length, 1, 'one new upload');
      note = `HEAD ${head.status}: restarted, sent again`;
    }
    await assertStored(server, run2.result.uploadUrl, file);
    await fsp.rm(file.path);
    return note;
  } finally {
    await page.close();
    await proxy.close();
  }
}

async function scenarioChecksum(browser, bname, server) {
  const size = 6 * MiB;
  const chunk = 1 * MiB;
  const offers = server.options.checksumAlgorithms.map((a) => a.toLowerCase());
  const supported = offers.includes('sha256') || offers.includes('sha1');
  // Servers with the extension: the 2nd PATCH gets one byte flipped on the way.
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  if (supported) proxy.inject({ method: 'PATCH', nth: 2, action: 'corrupt', at: 4321 });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  try {
    const file = await randomFile(`${bname}-${server.key}-checksum.bin`, size);
    await page.pick(file.path);
    await startRun(page, 'c', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk, checksum: true });
    const run = await finished(page, 'c');
    assertOk(run);
    await assertStored(server, run.result.uploadUrl, file);
    const methods = run.requests.map((r) => r.method);
    assert.equal(methods[0], 'OPTIONS', `the server's capabilities are learnt first: ${methods.join(' ')}`);
    const patches = proxy.log.filter((e) => e.method === 'PATCH');
    const warnings = run.events.filter((e) => e.type === 'warning').map((e) => e.payload.code);
    if (supported) {
      const algo = offers.includes('sha256') ? 'sha256' : 'sha1';
      assert.ok(patches.every((e) => e.checksum?.startsWith(`${algo} `)), `every PATCH has Upload-Checksum ${algo}: ${patches.map((e) => e.checksum)}`);
      const bad = patches.find((e) => e.corrupted);
      assert.ok(bad, 'a PATCH was damaged on the way');
      assert.ok([460, 417].includes(bad.status), `the damaged PATCH was refused: ${bad.status}`);
      assert.ok(!warnings.includes('checksum_unsupported'));
      return `${algo}; flipped byte → ${bad.status}, resent`;
    }
    assert.ok(patches.every((e) => !e.checksum), 'no Upload-Checksum to a server without the extension');
    assert.ok(warnings.includes('checksum_unsupported'), `a checksum_unsupported warning: ${warnings}`);
    return 'none offered: `checksum_unsupported`, plain PATCHes';
  } finally {
    await page.close();
    await proxy.close();
  }
}

async function scenarioParallel(browser, bname, server) {
  const size = 24 * MiB; // three parts of 8 MiB: above the 5 MiB smallest part
  const chunk = 4 * MiB;
  const concat = server.options.extensions.includes('concatenation');
  const { pageUrl, endpoint } = route(server);
  const page = await browser.open(pageUrl);
  try {
    const file = await randomFile(`${bname}-${server.key}-parallel.bin`, size);
    await page.pick(file.path);
    await startRun(page, 'par', { ...BASE, endpoint: endpoint(file.name), chunkSize: chunk, parallelUploads: 3 });
    const run = await finished(page, 'par');
    assertOk(run);
    assertMonotonic(run, file.size);
    await assertStored(server, run.result.uploadUrl, file);
    const methods = run.requests.map((r) => r.method);
    const posts = methods.filter((m) => m === 'POST').length;
    const warnings = run.events.filter((e) => e.type === 'warning').map((e) => e.payload.code);
    assert.equal(methods[0], 'OPTIONS', `concatenation is asked about first: ${methods.join(' ')}`);
    if (concat) {
      assert.equal(posts, 4, `three partial uploads and the final one: ${methods.join(' ')}`);
      assert.ok(!warnings.includes('parallel_unsupported'), `${warnings}`);
    } else {
      assert.equal(posts, 1, `one stream: ${methods.join(' ')}`);
      assert.ok(warnings.includes('parallel_unsupported'), `a parallel_unsupported warning: ${warnings}`);
    }
    // A second file from the same page: the endpoint's answer is remembered, no 2nd OPTIONS.
    const file2 = await randomFile(`${bname}-${server.key}-parallel-2.bin`, 12 * MiB);
    await page.pick(file2.path);
    await startRun(page, 'par2', { ...BASE, endpoint: endpoint(file2.name), chunkSize: chunk, parallelUploads: 2 });
    const run2 = await finished(page, 'par2');
    assertOk(run2);
    await assertStored(server, run2.result.uploadUrl, file2);
    const methods2 = run2.requests.map((r) => r.method);
    assert.equal(methods2.filter((m) => m === 'POST').length, concat ? 3 : 1, methods2.join(' '));
    // Remembered per endpoint URL; the SeaweedFS filer's endpoint is the file's own path.
    const again = endpoint(file2.name) !== endpoint(file.name);
    const options2 = methods2.filter((m) => m === 'OPTIONS').length;
    assert.equal(options2, again ? 1 : 0, `OPTIONS only for a new endpoint: ${methods2.join(' ')}`);
    const second = again ? 'a 2nd file (its own endpoint) asked again' : 'a 2nd file sent no OPTIONS';
    return concat
      ? `3 partial uploads at once, joined by a final POST, byte-exact; ${second}`
      : `no concatenation: \`parallel_unsupported\`, one stream, byte-exact; ${second}`;
  } finally {
    await page.close();
  }
}

async function scenarioLostPart(browser, bname, server) {
  const na = lacks(server, 'concatenation');
  if (na) return na;
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  let deleted = null;
  proxy.inject({
    method: 'POST',
    when: (info) => String(info.headers['upload-concat'] ?? '').startsWith('final;'),
    action: 'before',
    run: async (info) => {
      const part = new URL(String(info.headers['upload-concat']).slice('final;'.length).split(' ')[1]);
      const res = await fetch(new URL(part.pathname, upstreamOf(server)), { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0' } });
      deleted = { path: part.pathname, status: res.status };
    },
  });
  try {
    const file = await randomFile(`${bname}-${server.key}-lost-part.bin`, 12 * MiB);
    await page.pick(file.path);
    await startRun(page, 'lost', { ...BASE, endpoint: endpoint(file.name), chunkSize: 2 * MiB, parallelUploads: 2 });
    const run = await finished(page, 'lost');
    const finals = proxy.log.filter((e) => e.method === 'POST' && e.uploadLength === null);
    assertOk(run, `the upload (part deleted: ${JSON.stringify(deleted)}; final POSTs answered ${finals.map((e) => e.status ?? e.outcome).join(', ')})`);
    assert.deepEqual(finals.map((e) => e.status), [404, 201], 'the first final POST found the part gone, the second joined');
    assert.ok(deleted && deleted.status < 300, `the part was deleted before the final POST: ${JSON.stringify(deleted)}`);
    await assertStored(server, run.result.uploadUrl, file);
    const posts = run.requests.filter((r) => r.method === 'POST').length;
    assert.equal(posts, 5, `two parts, a final POST, the lost part again, the final POST again: ${run.requests.map((r) => r.method).join(' ')}`);
    assert.equal(run.restarted.length, 1, 'the lost part is announced (restarted)');
    assertMonotonic(run, file.size);
    return 'the final POST answered 404: parts asked again, the lost one sent anew, joined, byte-exact';
  } finally {
    await page.close();
    await proxy.close();
  }
}

/** The path of the part that starts at byte 0, once the session record of `name` lists parts. */
async function firstPartPath(page, name) {
  for (;;) {
    const dump = JSON.parse(await page.evaluate(() => window.ferryTest.dump()));
    const records = dump.databases.flatMap((d) => d.stores ?? []).flatMap((s) => s.values).filter((r) => r.name === name);
    const part = records.flatMap((r) => r.parts ?? []).find((p) => p.start === 0);
    if (part) return new URL(part.url).pathname;
    await sleep(50);
  }
}

async function scenarioChangedParts(browser, bname, server) {
  const na = lacks(server, 'concatenation');
  if (na) return na;
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  const file = await randomFile(`${bname}-${server.key}-changed.bin`, 12 * MiB);
  const half = file.size / 2; // two parts: [0, half) and [half, size)
  let first = null;
  let rewritten = false;
  // The first part's second PATCH waits until the last part is complete (its last PATCH, the
  // one that ends the file, went out while the file was as picked); then the file is
  // rewritten on disk, and the first part goes on reading it.
  proxy.inject({
    method: 'PATCH',
    times: Infinity,
    action: 'before',
    run: async (info) => {
      if (rewritten) return;
      first ??= await firstPartPath(page, file.name);
      if (info.path !== first || !info.uploadOffset) return;
      const lastDone = () => proxy.log.some((e) => e.method === 'PATCH' && e.path !== first && e.responseOffset === file.size - half);
      while (!lastDone()) await sleep(20);
      await fsp.writeFile(file.path, crypto.randomBytes(file.size));
      rewritten = true;
    },
  });
  try {
    await page.pick(file.path);
    await startRun(page, 'changed', { ...BASE, endpoint: endpoint(file.name), chunkSize: 1 * MiB, parallelUploads: 2 });
    const run = await finished(page, 'changed');
    assert.ok(rewritten, `the file was rewritten between the parts: ${JSON.stringify(run.error)} ${run.states.join(' ')}\n${proxy.log.map((e) => `${e.method} ${e.path} ${e.uploadOffset} -> ${e.status} ${e.responseOffset}`).join('\n')}`);
    assert.deepEqual([run.ok, run.error?.code], [false, 'file_unreadable'], `${JSON.stringify(run.error)} ${run.states.join(' ')}`);
    const finals = proxy.log.filter((e) => e.method === 'POST' && e.uploadLength === null);
    assert.equal(finals.length, 0, 'no final POST joined parts of two different files');
    return 'rewritten on disk between the parts: `file_unreadable`, no final POST';
  } finally {
    await page.close();
    await proxy.close();
    await fsp.rm(file.path, { force: true });
  }
}

async function scenarioRecording(browser, bname, server) {
  const deferred = server.options.extensions.includes('creation-defer-length');
  const proxy = await startFaultProxy({ upstream: upstreamOf(server) });
  const { pageUrl, endpoint } = route(server, proxy);
  const page = await browser.open(pageUrl);
  try {
    const name = `${bname}-${server.key}-recording.webm`;
    await startRun(page, 'rec', { ...BASE, endpoint: endpoint(name), metadata: { filename: name }, minChunkSize: 64 * 1024, capture: { ms: 4000, timeslice: 250 } });
    const run = await finished(page, 'rec');
    const sent = proxy.log.filter((e) => e.method === 'PATCH').slice(-3).map((e) => `${e.contentLength} B${e.uploadLength === null ? '' : ` Upload-Length ${e.uploadLength}`} → ${e.status}`);
    assertOk(run, `the recording's upload (last PATCHes: ${sent.join(', ')})`);
    const recorded = await page.evaluate(() => window.ferryTest.captured('rec'));
    assert.equal(run.result.bytesTotal, recorded.size);
    await assertStored(server, run.result.uploadUrl, { name, size: recorded.size, sha256: recorded.sha256 });
    const posts = proxy.log.filter((e) => e.method === 'POST');
    assert.equal(posts.length, 1, `one upload created: ${proxy.log.map((e) => e.method).join(' ')}`);
    const patches = proxy.log.filter((e) => e.method === 'PATCH' && e.status >= 200 && e.status < 300);
    const warnings = run.events.filter((e) => e.type === 'warning').map((e) => e.payload.code);
    const stoppedAt = run.capture.stoppedAtMs;
    if (deferred) {
      assert.deepEqual([posts[0].deferLength, posts[0].uploadLength], ['1', null], 'created with Upload-Defer-Length: 1');
      const declared = patches.filter((e) => e.uploadLength !== null);
      assert.equal(declared.length, 1, 'Upload-Length went with exactly one PATCH');
      assert.equal(Number(declared[0].uploadLength), recorded.size);
      const during = patches.filter((e) => e.startedAt < stoppedAt);
      assert.ok(during.length >= 1, `PATCHes went while recording (${during.length} of ${patches.length})`);
      assert.ok(!warnings.includes('deferred_length_unsupported'), `${warnings}`);
      return `\`Upload-Defer-Length\`: ${during.length} of ${patches.length} PATCHes while recording, byte-exact`;
    }
    assert.ok(warnings.includes('deferred_length_unsupported'), `a deferred_length_unsupported warning: ${warnings}`);
    assert.ok(run.states.includes('buffering'), `state buffering until the end: ${run.states.join(' ')}`);
    assert.deepEqual([posts[0].deferLength, Number(posts[0].uploadLength)], [null, recorded.size], 'created with the length once the recording ended');
    assert.ok(posts[0].startedAt >= stoppedAt, 'nothing sent before the recording ended');
    return 'no creation-defer-length: `deferred_length_unsupported`, buffered, then uploaded as a file, byte-exact';
  } finally {
    await page.close();
    await proxy.close();
  }
}

const SCENARIOS = [
  ['upload', `a ${fmtBytes(SPEED.size)} upload in ${fmtBytes(SPEED.chunk)} chunks, read back byte for byte`, scenarioUpload],
  ['interrupted', 'a PATCH cut halfway: HEAD, continue from what the server kept', scenarioInterrupted],
  ['page-close', 'the page closed mid-upload; a new page continues the stored session', scenarioPageClose],
  ['termination', 'abort({ terminate: true }) deletes the upload on the server', scenarioTermination],
  ['limit', 'a body limit shrinks chunks; Tus-Max-Size gives a clear error', scenarioLimit],
  ['finished', 'the same file again after completion (keepSession)', scenarioFinished],
  ['checksum', 'checksum: true with and without the server extension', scenarioChecksum],
  ['parallel', 'parallelUploads: 3 (concatenation where the server has it, one stream otherwise)', scenarioParallel],
  ['lost-part', 'a part deleted on the server after it completed, before the final POST', scenarioLostPart],
  ['changed-parts', 'the file rewritten on disk while a parallel upload\'s first part is still sending', scenarioChangedParts],
  ['recording', 'a MediaRecorder as the source: deferred length where the server has it, else buffered', scenarioRecording, 'record'],
];
const PICK = process.env.FERRY_MATRIX_SCENARIOS?.split(',');
const RUN_SCENARIOS = SCENARIOS.filter(([s]) => !PICK || PICK.includes(s));

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-matrix-'));
  stack = await startMatrixServers({ tmp, only: ONLY, log: (m) => console.log(`# ${m}`) });
}, { timeout: 240_000 });

after(async () => {
  await stack?.stop();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  if (!stack) return;
  const report = {
    servers: ONLY.map((key) => ({ key, label: LABELS[key], options: stack.servers.get(key)?.options, limit: stack.servers.get(key)?.limit && { kind: stack.servers.get(key).limit.kind, value: stack.servers.get(key).limit.value } })),
    scenarios: RUN_SCENARIOS.map(([s, title]) => ({ key: s, title })),
    browsers: IN_BROWSERS,
    results, speeds, baselines, observations: [...observations], speed: { size: SPEED.size, chunk: SPEED.chunk, reps: SPEED.reps },
    seconds: Math.round((Date.now() - started) / 1000),
    date: new Date().toISOString().slice(0, 10),
    complete: !QUICK && !PICK && ONLY.length === SERVER_KEYS.length && IN_BROWSERS.length === BROWSERS.length,
  };
  await writeDocs(report, { root: ROOT, docs: WRITE_DOCS });
});

for (const bname of IN_BROWSERS) {
  describe(bname, () => {
    let browser;
    before(async () => { browser = await launchBrowser(bname); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });
    for (const key of ONLY) {
      describe(key, () => {
        for (const [scenario, title, fn, cap] of RUN_SCENARIOS) {
          scenarioTest(key, bname, scenario, title, () => fn(browser, bname, stack.servers.get(key)), cap);
        }
      });
    }
  });
}

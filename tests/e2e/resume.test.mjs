// Resume tier: the built package (dist/) in headless Chromium and Firefox, against a real
// @tus/server (scripts/serve.mjs), with real random files on disk picked through
// <input type=file> (fixture tests/e2e/fixture/resume.html + resume.js). Per browser:
//  1. the tab is closed at about half of a 512 MiB upload; a new tab of the same browser picks
//     the same file and continues it (no second POST, only the missing bytes plus at most one
//     chunk are PATCHed, stored SHA-256 equals the source; listResumableUploads() shows the
//     session before and not after);
//  2. the same across quitting and relaunching the browser with the same profile directory;
//  3. a different file with the same name, size and lastModified is not continued (new POST,
//     byte-exact), while the original file still is;
//  4. a second tab starting the same file waits in state `locked` without sending anything,
//     `onLocked: 'fail'` rejects with kind `locked`, and the server sees one writer only;
//  5. an Authorization token given in `headers` is found nowhere in the origin's IndexedDB,
//     localStorage or sessionStorage.
// Needs `node scripts/build.mjs` first. It mocks nothing, injects no faults (faults.test.mjs
// does), does not test plain uploads (upload.test.mjs does), uses 127.0.0.1 only, and stops
// only the browsers and server it starts. Slowing an upload down is done in the page, by a
// `headers` function that waits before each request; the SDK is not touched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchBrowser } from '../../scripts/browsers.mjs';
import { startServer } from '../../scripts/serve.mjs';
import { BROWSERS, launch, sha256File, uploadId, writeRandomFile } from './helpers.mjs';

const MiB = 1024 * 1024;
const BIG = 512 * MiB;
const BIG_CHUNK = 8 * MiB;
const MID = 64 * MiB;
const MID_CHUNK = 4 * MiB;
const SMALL = 32 * MiB;
const SMALL_CHUNK = 1 * MiB;
const TIMEOUT = 150_000;


function launchWithProfile(name, userDataDir) {
  return launchBrowser(name, { userDataDir });
}

let srv;
let tmp;
const files = {}; // key -> { path, size, sha256, name }

async function makeFile(key, rel, size) {
  const p = path.join(tmp, rel);
  await fsp.mkdir(path.dirname(p), { recursive: true });
  files[key] = { path: p, size, name: path.basename(p), sha256: await writeRandomFile(p, size) };
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-resume-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
  await makeFile('big', 'big.bin', BIG);
  await makeFile('mid', 'mid.bin', MID);
  await makeFile('sameA', 'a/same.bin', SMALL);
  await makeFile('sameB', 'b/same.bin', SMALL);
  await makeFile('lock', 'lock.bin', MID);
  await makeFile('token', 'token.bin', SMALL);
  // Same name, size and lastModified; different bytes everywhere.
  const mtime = new Date('2024-03-01T12:34:56.000Z');
  await fsp.utimes(files.sameA.path, mtime, mtime);
  await fsp.utimes(files.sameB.path, mtime, mtime);
}, { timeout: 60_000 });

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens tests/e2e/fixture/resume.html in a new page. */
async function openResume(browser) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${srv.url}test/resume.html`);
  try {
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', { polling: 50, timeout: 20_000 });
  } catch (err) {
    throw new Error(`the resume fixture did not load (is dist/ built?): ${errors.join('; ') || err.message}`);
  }
  page.errors = errors;
  return page;
}

/**
 * Picks `file` in the page's <input type=file> and checks the page really holds it (its first
 * bytes). The input is cleared first: Firefox over BiDi keeps the previous file when a file
 * of the same name is set again.
 */
async function pick(page, file) {
  const input = await page.$('#file');
  await page.evaluate(() => { document.getElementById('file').value = ''; });
  await input.uploadFile(file);
  const head = await page.evaluate(async () => {
    const f = document.getElementById('file').files;
    if (f.length !== 1) return null;
    return [...new Uint8Array(await f[0].slice(0, 32).arrayBuffer())].map((b) => b.toString(16).padStart(2, '0')).join('');
  });
  const fh = await fsp.open(file);
  const buf = Buffer.alloc(32);
  const { bytesRead } = await fh.read(buf, 0, 32, 0);
  await fh.close();
  assert.equal(head, buf.subarray(0, bytesRead).toString('hex'), `the page holds ${file}`);
}

const startRun = (page, id, options) => page.evaluate((i, o) => window.ferryResume.start(i, o), id, options);
const getRun = (page, id) => page.evaluate((i) => window.ferryResume.get(i), id);
const listSessions = (page) => page.evaluate(() => window.ferryResume.list());

/** Polls run `id` in `page` until `cond(run)` holds; returns the run. */
async function until(page, id, cond, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const run = await getRun(page, id);
    if (run && cond(run)) return run;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(run && { state: run.state, states: run.states, confirmed: run.confirmed, done: run.done, error: run.error, events: run.events.slice(-5) })}`);
    }
    await sleep(25);
  }
}

/** Waits (in the page, tightly) until run `id` has confirmed at least `bytes`. */
async function untilConfirmed(page, id, bytes) {
  await page.waitForFunction(
    (i, n) => { const r = window.ferryResume.runs[i]; return Boolean(r && (r.confirmed >= n || r.done)); },
    { polling: 10, timeout: TIMEOUT }, id, bytes,
  );
  const run = await getRun(page, id);
  assert.ok(!run.done, `the upload ended before ${bytes} bytes were confirmed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
  return run;
}

/** Log entries of upload `id` (all methods), optionally only those started at/after `since` (ms). */
function entriesOf(id, since = 0) {
  return srv.log.filter((e) => e.id === id && e.startedAt >= since).sort((a, b) => a.startedAt - b.startedAt);
}

/** The largest offset the server confirmed for `id` in a finished 2xx answer started before `t`. */
function confirmedBefore(id, t) {
  let max = 0;
  for (const e of srv.log) {
    if (e.id !== id || e.startedAt >= t || !e.completed || e.status < 200 || e.status > 299) continue;
    if (e.responseOffset !== null) max = Math.max(max, e.responseOffset);
  }
  return max;
}

/** Waits briefly for the server to log the answer that confirmed the whole upload. */
async function settled(id, size) {
  const deadline = Date.now() + 5000;
  while (!srv.log.some((e) => e.id === id && e.completed && e.responseOffset === size) && Date.now() < deadline) await sleep(20);
}

async function assertStored(id, source) {
  const stored = path.join(srv.dataDir, id);
  assert.equal((await fsp.stat(stored)).size, source.size, 'stored size');
  assert.equal(await sha256File(stored), source.sha256, 'stored SHA-256 equals the source');
}

async function removeStored(id) {
  await fsp.rm(path.join(srv.dataDir, id), { force: true });
  await fsp.rm(path.join(srv.dataDir, `${id}.json`), { force: true });
}

function assertMonotonic(run, size) {
  let previous = 0;
  for (const p of run.progress) {
    assert.equal(p.bytesTotal, size, 'bytesTotal');
    assert.ok(p.bytesConfirmed >= previous, `progress decreased: ${previous} -> ${p.bytesConfirmed}`);
    previous = p.bytesConfirmed;
  }
  assert.equal(run.progress.at(-1)?.bytesConfirmed, size, 'progress ends at the file size');
}

/**
 * The part shared by scenarios 1 and 2, after the interruption: `page` is a fresh page of a
 * browser that uploaded `source` as `id` (confirmed `before` bytes before the interruption).
 * Lists sessions, picks the file again, continues, and checks the server's view.
 */
async function continueAndCheck(page, source, id, chunk, label) {
  const listed = await listSessions(page);
  const rec = listed.find((s) => s.uploadUrl && uploadId(s.uploadUrl) === id);
  assert.ok(rec, `${label}: listResumableUploads() lists the session: ${JSON.stringify(listed)}`);
  assert.equal(rec.name, source.name);
  assert.equal(rec.size, source.size);
  const before = confirmedBefore(id, Date.now());
  assert.ok(rec.bytesConfirmed > 0, `${label}: the stored session has bytesConfirmed > 0 (${rec.bytesConfirmed})`);
  assert.ok(rec.bytesConfirmed <= before, `${label}: stored bytesConfirmed ${rec.bytesConfirmed} <= server-confirmed ${before}`);

  await pick(page, source.path);
  const reopen = Date.now();
  await startRun(page, 'b', { endpoint: '/files/', chunkSize: chunk });
  const run = await until(page, 'b', (r) => r.done, 'the continued upload to finish');
  assert.ok(run.ok, `${label}: the continued upload failed: ${JSON.stringify(run.error)}`);
  assert.equal(uploadId(run.result.uploadUrl), id, `${label}: the same upload was continued`);
  await settled(id, source.size);

  const posts = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= reopen);
  assert.equal(posts.length, 0, `${label}: no POST after the reopen`);
  assert.ok(!run.states.includes('creating'), `${label}: never in state creating: ${run.states.join(' ')}`);
  assert.ok(run.states.includes('resuming'), `${label}: went through state resuming: ${run.states.join(' ')}`);

  const afterEntries = entriesOf(id, reopen);
  const head = afterEntries.find((e) => e.method === 'HEAD' && e.status === 200);
  assert.ok(head, `${label}: a HEAD learned the offset: ${JSON.stringify(afterEntries)}`);
  const patches = afterEntries.filter((e) => e.method === 'PATCH');
  assert.ok(patches.length > 0, `${label}: PATCHes after the reopen`);
  assert.equal(patches[0].requestOffset, head.responseOffset, `${label}: the first PATCH starts at the server's offset`);
  const sent = patches.reduce((n, e) => n + e.bodyBytes, 0);
  const missing = source.size - before;
  assert.ok(sent >= source.size - head.responseOffset, `${label}: sent ${sent} covers the missing ${source.size - head.responseOffset}`);
  assert.ok(sent <= missing + chunk, `${label}: PATCH bytes after the reopen (${sent}) <= missing (${missing}) + one chunk (${chunk})`);
  assertMonotonic(run, source.size);
  assert.ok(run.progress[0].bytesConfirmed >= before - chunk, `${label}: progress continues, not from 0 (first ${run.progress[0].bytesConfirmed})`);

  await assertStored(id, source);
  const listedAfter = await listSessions(page);
  assert.ok(!listedAfter.some((s) => s.key === rec.key), `${label}: the session is gone after completion: ${JSON.stringify(listedAfter)}`);
  await removeStored(id);
  return { before, head: head.responseOffset, sent, missing, stored: rec.bytesConfirmed };
}

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;

    before(async () => { browser = await launch(name); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('1. closing the tab at ~50% of a 512 MiB upload: a new tab picks the same file and continues it', { timeout: TIMEOUT }, async () => {
      const source = files.big;
      const t0 = Date.now();
      const page1 = await openResume(browser);
      await pick(page1, source.path);
      const logStart = Date.now();
      await startRun(page1, 'a', { endpoint: '/files/', chunkSize: BIG_CHUNK });
      const run1 = await untilConfirmed(page1, 'a', BIG / 2);
      const listedBefore = await listSessions(page1);
      await page1.close();
      const closedAt = Date.now();

      const created = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
      assert.equal(created.length, 1, 'one POST before the close');
      const id = created[0].id;
      assert.ok(listedBefore.some((s) => uploadId(s.uploadUrl) === id), `listed while uploading: ${JSON.stringify(listedBefore)}`);
      const atClose = confirmedBefore(id, closedAt);
      assert.ok(atClose < BIG, `the tab was closed before the upload completed (${atClose})`);

      const page2 = await openResume(browser);
      const r = await continueAndCheck(page2, source, id, BIG_CHUNK, 'new tab');
      await page2.close();
      console.log(`# ${name} 1: page saw ${run1.confirmed} at close, server confirmed ${r.before}, stored record ${r.stored}, HEAD ${r.head}, re-sent ${r.sent} for ${r.missing} missing, ${Date.now() - t0} ms`);
    });

    test(`2. quitting and relaunching ${name} with the same profile directory: the same file continues`, { timeout: TIMEOUT }, async () => {
      const source = files.mid;
      const t0 = Date.now();
      const profile = path.join(tmp, `profile-${name}`);
      await fsp.mkdir(profile, { recursive: true });
      let b1 = await launchWithProfile(name, profile);
      let id;
      try {
        const page1 = await openResume(b1);
        await pick(page1, source.path);
        const logStart = Date.now();
        await page1.evaluate(() => { window.ferryResume.delayMs = 150; });
        await startRun(page1, 'a', { endpoint: '/files/', chunkSize: MID_CHUNK });
        await untilConfirmed(page1, 'a', MID / 2);
        const created = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
        assert.equal(created.length, 1, 'one POST before the quit');
        id = created[0].id;
      } finally {
        await b1.close();
        b1 = null;
      }
      const atQuit = confirmedBefore(id, Date.now());
      assert.ok(atQuit < MID, `quit before the upload completed (${atQuit})`);

      const b2 = await launchWithProfile(name, profile);
      try {
        const page2 = await openResume(b2);
        const r = await continueAndCheck(page2, source, id, MID_CHUNK, 'relaunched browser');
        console.log(`# ${name} 2: server confirmed ${r.before} at quit, stored record ${r.stored}, HEAD ${r.head}, re-sent ${r.sent} for ${r.missing} missing, ${Date.now() - t0} ms`);
      } finally {
        await b2.close();
        await fsp.rm(profile, { recursive: true, force: true });
      }
    });

    test('3. a different file with the same name, size and lastModified starts a new upload; the original still continues', { timeout: TIMEOUT }, async () => {
      const [a, b] = [files.sameA, files.sameB];
      const logStart = Date.now();
      // A: pause midway so its session stays stored, then close the tab (releases the lock).
      const page1 = await openResume(browser);
      await pick(page1, a.path);
      const pickedA = await startRun(page1, 'a', { endpoint: '/files/', chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2 });
      await until(page1, 'a', (r) => r.state === 'paused', 'A paused');
      await page1.close();
      const postsA = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
      assert.equal(postsA.length, 1, 'one POST for A');
      const idA = postsA[0].id;

      // B: same name, size, type and lastModified as A in the browser's eyes.
      const page2 = await openResume(browser);
      const listed = await listSessions(page2);
      const recA = listed.find((s) => uploadId(s.uploadUrl) === idA);
      assert.ok(recA, `A's session is stored: ${JSON.stringify(listed)}`);
      await pick(page2, b.path);
      const tB = Date.now();
      const pickedB = await startRun(page2, 'b', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      assert.deepEqual(
        { name: pickedB.name, size: pickedB.size, lastModified: pickedB.lastModified, type: pickedB.type },
        { name: pickedA.name, size: pickedA.size, lastModified: pickedA.lastModified, type: pickedA.type },
        'the browser sees the same name, size, type and lastModified',
      );
      const runB = await until(page2, 'b', (r) => r.done, 'B to finish');
      assert.ok(runB.ok, `B failed: ${JSON.stringify(runB.error)}`);
      const postsB = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= tB);
      assert.equal(postsB.length, 1, 'B made a new POST');
      const idB = uploadId(runB.result.uploadUrl);
      assert.equal(postsB[0].id, idB);
      assert.notEqual(idB, idA, 'B is not A\'s upload');
      assert.ok(!runB.states.includes('resuming'), `B did not resume: ${runB.states.join(' ')}`);
      assert.equal(entriesOf(idA, tB).length, 0, 'nothing was sent to A\'s upload while uploading B');
      await settled(idB, b.size);
      await assertStored(idB, b);
      const patchesB = entriesOf(idB).filter((e) => e.method === 'PATCH');
      assert.equal(patchesB.reduce((n, e) => n + e.bodyBytes, 0), b.size, 'B: no byte sent twice');
      await removeStored(idB);
      const listedAfterB = await listSessions(page2);
      const recAAfter = listedAfterB.find((s) => s.key === recA.key);
      assert.ok(recAAfter, 'A\'s session survived B');
      assert.equal(recAAfter.uploadUrl, recA.uploadUrl, 'A\'s session still points at A\'s upload');

      // Control: A itself still continues its own upload.
      await pick(page2, a.path);
      const tA = Date.now();
      await startRun(page2, 'a2', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      const runA = await until(page2, 'a2', (r) => r.done, 'A to finish');
      assert.ok(runA.ok, `A failed: ${JSON.stringify(runA.error)}`);
      const diagA = () => JSON.stringify({ states: runA.states, events: runA.events, requests: runA.requests.map((r) => r.method), server: srv.log.filter((e) => e.startedAt >= tA).map((e) => [e.method, e.id, e.status, e.requestOffset, e.responseOffset]) });
      assert.equal(uploadId(runA.result.uploadUrl), idA, `A continued its own upload: ${diagA()}`);
      assert.equal(srv.log.filter((e) => e.method === 'POST' && e.startedAt >= tA).length, 0, 'no POST for A again');
      await settled(idA, a.size);
      await assertStored(idA, a);
      await removeStored(idA);
      await page2.close();
    });

    test('4. a second tab with the same file waits in state locked; onLocked "fail" rejects with kind locked; one writer at a time', { timeout: TIMEOUT }, async () => {
      const source = files.lock;
      const logStart = Date.now();
      const tab1 = await openResume(browser);
      await pick(tab1, source.path);
      await tab1.evaluate(() => { window.ferryResume.delayMs = 300; });
      await startRun(tab1, 'one', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      await untilConfirmed(tab1, 'one', 2 * SMALL_CHUNK);
      const posts = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
      assert.equal(posts.length, 1, 'tab 1 created the upload');
      const id = posts[0].id;

      const tab2 = await openResume(browser);
      await pick(tab2, source.path);
      await startRun(tab2, 'two', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      const tab3 = await openResume(browser);
      await pick(tab3, source.path);
      await startRun(tab3, 'three', { endpoint: '/files/', chunkSize: SMALL_CHUNK, onLocked: 'fail' });
      await tab1.bringToFront();

      const two = await until(tab2, 'two', (r) => r.state === 'locked' || r.done, 'tab 2 to be locked', 20_000);
      const three = await until(tab3, 'three', (r) => r.done, 'tab 3 to reject', 20_000);
      await sleep(1000); // tab 1 keeps uploading; tab 2 must stay quiet
      const oneMid = await getRun(tab1, 'one');
      const twoMid = await getRun(tab2, 'two');
      assert.ok(!oneMid.done, `tab 1 was still uploading during the checks (${oneMid.confirmed} of ${source.size})`);
      assert.equal(two.state, 'locked', `tab 2 is in state locked: ${two.states.join(' ')}`);
      assert.equal(twoMid.state, 'locked', `tab 2 stays locked while tab 1 uploads: ${twoMid.states.join(' ')}`);
      assert.equal(twoMid.requests.length, 0, `tab 2 sent nothing while locked: ${JSON.stringify(twoMid.requests)}`);
      assert.equal(three.ok, false, 'onLocked "fail" rejects');
      assert.equal(three.error.isFerryError, true, `a FerryError: ${JSON.stringify(three.error)}`);
      assert.equal(three.error.kind, 'locked');
      assert.equal(three.error.code, 'locked');
      assert.equal(three.requests.length, 0, `tab 3 sent nothing: ${JSON.stringify(three.requests)}`);
      assert.ok(!three.states.includes('uploading'), `tab 3 never uploaded: ${three.states.join(' ')}`);

      // Let tab 1 finish at full speed; tab 2 then gets the lock and finds the upload complete.
      await tab1.evaluate(() => { window.ferryResume.delayMs = 0; });
      const one = await until(tab1, 'one', (r) => r.done, 'tab 1 to finish');
      assert.ok(one.ok, `tab 1 failed: ${JSON.stringify(one.error)}`);
      const oneDoneAt = Date.now();
      const twoEnd = await until(tab2, 'two', (r) => r.done, 'tab 2 to finish after tab 1', 30_000);
      assert.ok(twoEnd.ok, `tab 2 failed after the lock was free: ${JSON.stringify(twoEnd.error)}`);
      await settled(id, source.size);

      const all = srv.log.filter((e) => e.startedAt >= logStart).sort((a, b) => a.startedAt - b.startedAt);
      const fights = all.filter((e) => e.status === 409 || e.status === 423);
      assert.deepEqual(fights, [], 'no 409/423 at the server');
      assert.equal(all.filter((e) => e.method === 'POST').length, 1, 'exactly one POST in all three tabs');
      const patches = all.filter((e) => e.method === 'PATCH');
      assert.ok(patches.every((e) => e.id === id), 'every PATCH went to the one upload');
      let offset = 0;
      for (const p of patches) {
        assert.equal(p.requestOffset, offset, `PATCHes form one chain, no overlapping writer: ${JSON.stringify(patches.map((e) => [e.requestOffset, e.responseOffset, e.status]))}`);
        offset = p.responseOffset;
      }
      assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), source.size, 'no byte sent twice');
      const twoPatches = twoEnd.requests.filter((r) => r.method !== 'HEAD');
      assert.deepEqual(twoPatches, [], `tab 2 only asked where the upload stands: ${JSON.stringify(twoEnd.requests)}`);
      assert.ok(twoEnd.requests.every((r) => r.at >= oneDoneAt - 1000), 'tab 2 sent nothing before tab 1 was done');
      assert.equal(uploadId(twoEnd.result.uploadUrl), id, 'tab 2 ended on the same upload');
      await assertStored(id, source);
      await removeStored(id);
      for (const p of [tab1, tab2, tab3]) await p.close();
    });

    test('5. an Authorization token passed in headers is stored nowhere (IndexedDB, localStorage, sessionStorage)', { timeout: TIMEOUT }, async () => {
      const source = files.token;
      const secret = crypto.randomBytes(24).toString('hex');
      const token = `Bearer ${secret}`;
      const page = await openResume(browser);
      const sentAuth = [];
      page.on('request', (req) => {
        if (new URL(req.url()).pathname.startsWith('/files')) sentAuth.push(req.headers().authorization ?? null);
      });
      await pick(page, source.path);
      const logStart = Date.now();
      await startRun(page, 't', {
        endpoint: '/files/', chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2,
        headers: { Authorization: token }, staticHeaders: true,
      });
      const run = await until(page, 't', (r) => r.state === 'paused' || r.done, 'the upload to pause');
      assert.equal(run.state, 'paused', `paused midway: ${run.states.join(' ')} ${JSON.stringify(run.error)}`);
      await sleep(1200); // any coalesced session write has landed
      const id = srv.log.find((e) => e.method === 'POST' && e.startedAt >= logStart)?.id;
      assert.ok(id, 'the upload was created');
      assert.ok(sentAuth.length > 0 && sentAuth.every((h) => h === token), `the token was sent with every request: ${sentAuth.length} requests`);

      const dump = JSON.parse(await page.evaluate(() => window.ferryResume.dump()));
      const text = JSON.stringify(dump);
      const db = dump.databases.find((d) => d.name === 'ferry-upload');
      assert.ok(db && !db.missing, `the ferry-upload database exists (databases() ${dump.databasesApi ? 'available' : 'missing'}): ${text.slice(0, 500)}`);
      const values = db.stores.flatMap((s) => s.values);
      assert.ok(values.some((v) => typeof v.uploadUrl === 'string' && uploadId(v.uploadUrl) === id), `the paused session is in the dump: ${text.slice(0, 1000)}`);
      assert.ok(!text.includes(secret), 'the token is not in IndexedDB, localStorage or sessionStorage');
      assert.ok(!text.toLowerCase().includes('authorization'), 'no Authorization header name is stored either');
      assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'nor the token in base64');
      await page.close();
      await removeStored(id);
    });
  });
}

// Resuming in WebKit (WebKitGTK's MiniBrowser driven over W3C WebDriver by
// tests/support/webdriver.mjs): the scenarios of tests/e2e/resume.test.mjs that WebDriver
// allows, with the built package (dist/) against a real @tus/server (scripts/serve.mjs) and
// random files picked through <input type=file> (fixture tests/e2e/fixture/resume.html):
//  1. the tab is closed at about half of a 512 MiB upload; a new tab picks the same file and
//     continues it (no second POST, at most one chunk re-sent, byte-exact);
//  2. quitting and relaunching the browser CANNOT continue in WebKit under automation: its
//     sessions are ephemeral (no profile directory), so the relaunched browser lists no stored
//     upload and the same file starts a new one. The test asserts exactly that limit;
//  3. a different file with the same name, size and lastModified is not continued;
//  4. a second tab with the same file waits in state `locked`, `onLocked: 'fail'` rejects;
//  5. an Authorization token is stored nowhere (IndexedDB, localStorage, sessionStorage);
//  6. the automation limit behind the README's note: a Blob cannot be put into IndexedDB in
//     these ephemeral sessions (a plain record can), and ferry's records hold no Blob.
// Needs `node scripts/build.mjs` and setup.sh's WebKit packages. It mocks nothing in the SDK,
// injects no faults, uses 127.0.0.1 only, and stops only what it starts. Slowing an upload
// down is done in the page (resume.js waits in its `headers` function).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../../scripts/serve.mjs';
import { sha256File, writeRandomFile } from '../helpers.mjs';
import {
  MiB, getRun, launchWebKit, listSessions, openFixture, openTab, pick, sleep, startRun, until, uploadId,
} from './helpers.mjs';

const BIG = 512 * MiB;
const BIG_CHUNK = 8 * MiB;
const MID = 64 * MiB;
const MID_CHUNK = 4 * MiB;
const SMALL = 32 * MiB;
const SMALL_CHUNK = 1 * MiB;
const TIMEOUT = 150_000;

let srv;
let tmp;
let webkit;
let fixture;
const files = {};

async function makeFile(key, rel, size) {
  const p = path.join(tmp, rel);
  await fsp.mkdir(path.dirname(p), { recursive: true });
  files[key] = { path: p, size, name: path.basename(p), sha256: await writeRandomFile(p, size) };
}

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-webkit-resume-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
  fixture = `${srv.url}test/resume.html`;
  await makeFile('big', 'big.bin', BIG);
  await makeFile('mid', 'mid.bin', MID);
  await makeFile('sameA', 'a/same.bin', SMALL);
  await makeFile('sameB', 'b/same.bin', SMALL);
  await makeFile('lock', 'lock.bin', MID);
  await makeFile('token', 'token.bin', SMALL);
  await makeFile('probe', 'probe.bin', 8 * MiB);
  const mtime = new Date('2024-03-01T12:34:56.000Z');
  await fsp.utimes(files.sameA.path, mtime, mtime);
  await fsp.utimes(files.sameB.path, mtime, mtime);
  webkit = await launchWebKit();
}, { timeout: 120_000 });

after(async () => {
  await webkit?.close();
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

function entriesOf(id, since = 0) {
  return srv.log.filter((e) => e.id === id && e.startedAt >= since).sort((a, b) => a.startedAt - b.startedAt);
}

function confirmedBefore(id, t) {
  let max = 0;
  for (const e of srv.log) {
    if (e.id !== id || e.startedAt >= t || !e.completed || e.status < 200 || e.status > 299) continue;
    if (e.responseOffset !== null) max = Math.max(max, e.responseOffset);
  }
  return max;
}

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

/** Waits in the page until run `id` confirmed at least `bytes` (and has not ended). */
async function untilConfirmed(session, id, bytes) {
  const run = await until(session, id, (r) => r.confirmed >= bytes || r.done, `${bytes} bytes confirmed`, TIMEOUT, 10);
  assert.ok(!run.done, `the upload ended before ${bytes} bytes were confirmed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
  return run;
}

/** Closes every window but one, which is left current (scenarios start from one tab). */
async function oneTab() {
  const { session } = webkit;
  const handles = await session.windowHandles();
  for (const h of handles.slice(1)) {
    await session.switchTo(h);
    await session.closeWindow();
  }
  await session.switchTo(handles[0]);
}

describe('webkit', () => {
  test('1. closing the tab at ~50% of a 512 MiB upload: a new tab picks the same file and continues it', { timeout: TIMEOUT }, async () => {
    await oneTab();
    const { session } = webkit;
    const source = files.big;
    const first = await session.windowHandle();
    await openFixture(session, fixture);
    await pick(session, source.path);
    const logStart = Date.now();
    await session.evaluate('window.ferryResume.delayMs = 30');
    await startRun(session, 'a', { endpoint: '/files/', chunkSize: BIG_CHUNK });
    await untilConfirmed(session, 'a', BIG / 2);
    const listedBefore = await listSessions(session);
    // A new tab first (a session needs a window), then the first tab is closed mid-upload.
    const second = await openTab(session, fixture);
    await session.switchTo(first);
    await session.closeWindow();
    const closedAt = Date.now();
    await session.switchTo(second);

    const created = srv.log.filter((e) => e.method === 'POST' && e.startedAt >= logStart);
    assert.equal(created.length, 1, 'one POST before the close');
    const id = created[0].id;
    assert.ok(listedBefore.some((s) => uploadId(s.uploadUrl) === id), `listed while uploading: ${JSON.stringify(listedBefore)}`);
    await sleep(300);
    const before = confirmedBefore(id, Date.now());
    assert.ok(before < BIG, `the tab was closed before the upload completed (${before} at ${closedAt})`);

    const listed = await listSessions(session);
    const rec = listed.find((s) => uploadId(s.uploadUrl) === id);
    assert.ok(rec, `the new tab lists the session: ${JSON.stringify(listed)}`);
    assert.ok(rec.bytesConfirmed > 0 && rec.bytesConfirmed <= before, `stored bytesConfirmed ${rec.bytesConfirmed} in (0, ${before}]`);

    await pick(session, source.path);
    const reopen = Date.now();
    await startRun(session, 'b', { endpoint: '/files/', chunkSize: BIG_CHUNK });
    const run = await until(session, 'b', (r) => r.done, 'the continued upload to finish');
    assert.ok(run.ok, `the continued upload failed: ${JSON.stringify(run.error)}`);
    assert.equal(uploadId(run.result.uploadUrl), id, 'the same upload was continued');
    await settled(id, source.size);
    assert.equal(srv.log.filter((e) => e.method === 'POST' && e.startedAt >= reopen).length, 0, 'no POST after the reopen');
    assert.ok(run.states.includes('resuming') && !run.states.includes('creating'), `states: ${run.states.join(' ')}`);
    const afterEntries = entriesOf(id, reopen);
    const head = afterEntries.find((e) => e.method === 'HEAD' && e.status === 200);
    assert.ok(head, 'a HEAD learned the offset');
    const patches = afterEntries.filter((e) => e.method === 'PATCH');
    assert.equal(patches[0].requestOffset, head.responseOffset, 'the first PATCH starts at the server\'s offset');
    const sent = patches.reduce((n, e) => n + e.bodyBytes, 0);
    assert.ok(sent <= source.size - before + BIG_CHUNK, `PATCH bytes after the reopen (${sent}) <= missing + one chunk`);
    assertMonotonic(run, source.size);
    await assertStored(id, source);
    assert.ok(!(await listSessions(session)).some((s) => s.key === rec.key), 'the session is gone after completion');
    await removeStored(id);
  });

  test('2. WebKit limit: a quit and relaunched browser has lost every session (automation is ephemeral), so the same file starts a new upload', { timeout: TIMEOUT }, async () => {
    await oneTab();
    let { session } = webkit;
    const source = files.mid;
    await openFixture(session, fixture);
    await pick(session, source.path);
    const logStart = Date.now();
    await session.evaluate('window.ferryResume.delayMs = 150');
    await startRun(session, 'a', { endpoint: '/files/', chunkSize: MID_CHUNK });
    await untilConfirmed(session, 'a', MID / 2);
    const listedBefore = await listSessions(session);
    const firstId = srv.log.find((e) => e.method === 'POST' && e.startedAt >= logStart)?.id;
    assert.ok(listedBefore.some((s) => uploadId(s.uploadUrl) === firstId), 'the session was stored before the quit');

    session = await webkit.relaunch();
    await sleep(300);
    const atQuit = confirmedBefore(firstId, Date.now());
    assert.ok(atQuit < MID, `quit before the upload completed (${atQuit})`);
    await openFixture(session, fixture);
    const listed = await listSessions(session);
    assert.deepEqual(listed, [], 'the relaunched WebKit lists no stored session: its website data did not survive the quit');

    await pick(session, source.path);
    const reopen = Date.now();
    await startRun(session, 'b', { endpoint: '/files/', chunkSize: MID_CHUNK });
    const run = await until(session, 'b', (r) => r.done, 'the new upload to finish');
    assert.ok(run.ok, `failed: ${JSON.stringify(run.error)}`);
    const id = uploadId(run.result.uploadUrl);
    assert.notEqual(id, firstId, 'a new upload, not the interrupted one');
    assert.equal(srv.log.filter((e) => e.method === 'POST' && e.startedAt >= reopen).length, 1, 'one new POST');
    assert.ok(run.states.includes('creating'), `states: ${run.states.join(' ')}`);
    await settled(id, source.size);
    await assertStored(id, source);
    await removeStored(id);
    await removeStored(firstId);
  });

  test('3. a different file with the same name, size and lastModified starts a new upload; the original still continues', { timeout: TIMEOUT }, async () => {
    await oneTab();
    const { session } = webkit;
    const [a, b] = [files.sameA, files.sameB];
    const logStart = Date.now();
    await openFixture(session, fixture);
    await pick(session, a.path);
    await startRun(session, 'a', { endpoint: '/files/', chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2 });
    await until(session, 'a', (r) => r.state === 'paused', 'A paused');
    const idA = srv.log.find((e) => e.method === 'POST' && e.startedAt >= logStart)?.id;
    assert.ok(idA, 'A was created');
    // A fresh page (the lock is released with the old one).
    await openFixture(session, fixture);
    const recA = (await listSessions(session)).find((s) => uploadId(s.uploadUrl) === idA);
    assert.ok(recA, 'A\'s session is stored');

    await pick(session, b.path);
    const tB = Date.now();
    await startRun(session, 'b', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
    const runB = await until(session, 'b', (r) => r.done, 'B to finish');
    assert.ok(runB.ok, `B failed: ${JSON.stringify(runB.error)}`);
    const idB = uploadId(runB.result.uploadUrl);
    assert.notEqual(idB, idA, 'B is not continued on A\'s upload');
    assert.equal(srv.log.filter((e) => e.method === 'POST' && e.startedAt >= tB).length, 1, 'B was created with its own POST');
    await settled(idB, b.size);
    await assertStored(idB, b);
    await removeStored(idB);

    await pick(session, a.path);
    const tA = Date.now();
    await startRun(session, 'a2', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
    const runA = await until(session, 'a2', (r) => r.done, 'A to finish');
    assert.ok(runA.ok, `A failed: ${JSON.stringify(runA.error)}`);
    assert.equal(uploadId(runA.result.uploadUrl), idA, 'A continued its own upload');
    assert.equal(srv.log.filter((e) => e.method === 'POST' && e.startedAt >= tA).length, 0, 'no POST for A again');
    await settled(idA, a.size);
    await assertStored(idA, a);
    await removeStored(idA);
  });

  test('4. a second tab with the same file waits in state locked; onLocked "fail" rejects with kind locked; one writer at a time', { timeout: TIMEOUT }, async () => {
    await oneTab();
    const { session } = webkit;
    const source = files.lock;
    const logStart = Date.now();
    const tab1 = await session.windowHandle();
    await openFixture(session, fixture);
    await pick(session, source.path);
    await session.evaluate('window.ferryResume.delayMs = 300');
    await startRun(session, 'one', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
    await untilConfirmed(session, 'one', 2 * SMALL_CHUNK);
    const id = srv.log.find((e) => e.method === 'POST' && e.startedAt >= logStart)?.id;
    assert.ok(id, 'tab 1 created the upload');

    const tab2 = await openTab(session, fixture);
    await pick(session, source.path);
    await startRun(session, 'two', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
    await openTab(session, fixture); // tab 3
    await pick(session, source.path);
    await startRun(session, 'three', { endpoint: '/files/', chunkSize: SMALL_CHUNK, onLocked: 'fail' });
    const three = await until(session, 'three', (r) => r.done, 'tab 3 to reject', 20_000);
    await session.switchTo(tab2);
    const two = await until(session, 'two', (r) => r.state === 'locked' || r.done, 'tab 2 to be locked', 20_000);
    await sleep(1000);
    const twoMid = await getRun(session, 'two');
    await session.switchTo(tab1);
    const oneMid = await getRun(session, 'one');
    assert.ok(!oneMid.done, `tab 1 was still uploading during the checks (${oneMid.confirmed})`);
    assert.equal(two.state, 'locked', `tab 2 is in state locked: ${two.states.join(' ')}`);
    assert.equal(twoMid.state, 'locked', 'tab 2 stays locked while tab 1 uploads');
    assert.equal(twoMid.requests.length, 0, 'tab 2 sent nothing while locked');
    assert.equal(three.ok, false, 'onLocked "fail" rejects');
    assert.equal(three.error.kind, 'locked');
    assert.equal(three.error.code, 'locked');
    assert.equal(three.requests.length, 0, 'tab 3 sent nothing');

    await session.evaluate('window.ferryResume.delayMs = 0');
    const one = await until(session, 'one', (r) => r.done, 'tab 1 to finish');
    assert.ok(one.ok, `tab 1 failed: ${JSON.stringify(one.error)}`);
    const oneDoneAt = Date.now();
    await session.switchTo(tab2);
    const twoEnd = await until(session, 'two', (r) => r.done, 'tab 2 to finish after tab 1', 30_000);
    assert.ok(twoEnd.ok, `tab 2 failed after the lock was free: ${JSON.stringify(twoEnd.error)}`);
    await settled(id, source.size);

    const all = srv.log.filter((e) => e.startedAt >= logStart).sort((a, b) => a.startedAt - b.startedAt);
    assert.deepEqual(all.filter((e) => e.status === 409 || e.status === 423), [], 'no 409/423 at the server');
    assert.equal(all.filter((e) => e.method === 'POST').length, 1, 'exactly one POST in all three tabs');
    const patches = all.filter((e) => e.method === 'PATCH');
    let offset = 0;
    for (const p of patches) {
      assert.equal(p.requestOffset, offset, 'PATCHes form one chain, no overlapping writer');
      offset = p.responseOffset;
    }
    assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), source.size, 'no byte sent twice');
    assert.deepEqual(twoEnd.requests.filter((r) => r.method !== 'HEAD'), [], 'tab 2 only asked where the upload stands');
    assert.ok(twoEnd.requests.every((r) => r.at >= oneDoneAt - 1000), 'tab 2 sent nothing before tab 1 was done');
    await assertStored(id, source);
    await removeStored(id);
  });

  test('5. an Authorization token passed in headers is stored nowhere (IndexedDB, localStorage, sessionStorage)', { timeout: TIMEOUT }, async () => {
    await oneTab();
    const { session } = webkit;
    const source = files.token;
    const secret = crypto.randomBytes(24).toString('hex');
    const token = `Bearer ${secret}`;
    await openFixture(session, fixture);
    // WebDriver cannot see requests: the page records the Authorization of every /files request.
    await session.execute(`
      window.__auth = [];
      const original = window.fetch;
      window.fetch = function (input, init) {
        // Read without constructing a Request, which would take over a Request's body.
        const url = input instanceof Request ? input.url : String(input);
        const headers = init && init.headers ? new Headers(init.headers) : input instanceof Request ? input.headers : new Headers();
        if (new URL(url, location.href).pathname.startsWith('/files')) window.__auth.push(headers.get('authorization'));
        return original.call(this, input, init);
      };`);
    await pick(session, source.path);
    const logStart = Date.now();
    await startRun(session, 't', {
      endpoint: '/files/', chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2, headers: { Authorization: token }, staticHeaders: true,
    });
    const run = await until(session, 't', (r) => r.state === 'paused' || r.done, 'the upload to pause');
    assert.equal(run.state, 'paused', `paused midway: ${run.states.join(' ')} ${JSON.stringify(run.error)}`);
    await sleep(1200);
    const id = srv.log.find((e) => e.method === 'POST' && e.startedAt >= logStart)?.id;
    assert.ok(id, 'the upload was created');
    const sentAuth = await session.execute('return window.__auth;');
    assert.ok(sentAuth.length > 0 && sentAuth.every((h) => h === token), `the token was sent with every request (${sentAuth.length})`);

    const dump = JSON.parse(await session.evaluate('window.ferryResume.dump()'));
    const text = JSON.stringify(dump);
    const db = dump.databases.find((d) => d.name === 'ferry-upload');
    assert.ok(db && !db.missing, `the ferry-upload database exists: ${text.slice(0, 500)}`);
    const values = db.stores.flatMap((s) => s.values);
    assert.ok(values.some((v) => typeof v.uploadUrl === 'string' && uploadId(v.uploadUrl) === id), 'the paused session is in the dump');
    assert.ok(!text.includes(secret), 'the token is not in IndexedDB, localStorage or sessionStorage');
    assert.ok(!text.toLowerCase().includes('authorization'), 'no Authorization header name is stored either');
    assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'nor the token in base64');
    await removeStored(id);
  });

  test('6. WebKit automation limit: IndexedDB takes plain records but refuses a Blob (ephemeral session); ferry\'s records hold no Blob', { timeout: TIMEOUT }, async () => {
    await oneTab();
    const { session } = webkit;
    await openFixture(session, fixture);
    const probe = await session.evaluate(`(async () => {
      const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open('ferry-webkit-probe', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('s');
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const put = (key, value) => new Promise((resolve) => {
        const tx = db.transaction('s', 'readwrite');
        const req = tx.objectStore('s').put(value, key);
        tx.oncomplete = () => resolve('stored');
        tx.onabort = () => resolve('refused: ' + ((req.error && req.error.name) || (tx.error && tx.error.name) || 'aborted'));
      });
      const get = (key) => new Promise((resolve) => {
        const req = db.transaction('s').objectStore('s').get(key);
        req.onsuccess = () => resolve(req.result === undefined ? 'missing' : req.result.b instanceof Blob ? 'blob' : typeof req.result.b);
      });
      const out = { plain: await put('plain', { b: 'text' }), blob: await put('blob', { b: new Blob(['abc']) }) };
      out.plainBack = await get('plain');
      out.blobBack = await get('blob');
      db.close();
      await new Promise((resolve) => { const d = indexedDB.deleteDatabase('ferry-webkit-probe'); d.onsuccess = d.onerror = resolve; });
      return out;
    })()`);
    assert.equal(probe.plain, 'stored', 'a plain record is stored');
    assert.equal(probe.plainBack, 'string', 'and reads back');
    // WebKit answers UnknownError "Error preparing Blob/File data to be stored in object store".
    assert.equal(probe.blob, 'refused: UnknownError', 'a Blob is refused under automation; if WebKit now stores it, update README\'s browser table');
    assert.equal(probe.blobBack, 'missing');

    // ferry keeps working: a stored session record is plain data.
    await pick(session, files.probe.path);
    await session.evaluate('window.ferryResume.delayMs = 100');
    await startRun(session, 'p', { endpoint: '/files/', chunkSize: SMALL_CHUNK, pauseAt: 4 * MiB });
    const run = await until(session, 'p', (r) => r.state === 'paused' || r.done, 'the upload to pause');
    assert.equal(run.state, 'paused', `paused midway: ${run.states.join(' ')}`);
    await sleep(1200);
    const id = uploadId(run.events.find((e) => e.type === 'created').payload.url);
    const dump = JSON.parse(await session.evaluate('window.ferryResume.dump()'));
    const values = dump.databases.find((d) => d.name === 'ferry-upload').stores.flatMap((s) => s.values);
    const mine = values.find((v) => typeof v.uploadUrl === 'string' && uploadId(v.uploadUrl) === id);
    assert.ok(mine, `ferry stored the paused session in IndexedDB: ${JSON.stringify(values).slice(0, 500)}`);
    assert.ok(!JSON.stringify(values).includes('blobText'), 'no Blob in ferry\'s records');
    assert.ok(!run.events.some((e) => e.type === 'warning'), `no storage warning: ${JSON.stringify(run.events)}`);
    await removeStored(id);
  });
});

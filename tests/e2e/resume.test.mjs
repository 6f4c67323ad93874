// Resuming in Chromium, Firefox and WebKit (tests/support/page-driver.mjs): the built package
// (dist/) against a real @tus/server (tests/support/serve.mjs), with random files on disk picked
// through <input type=file> in the test page (tests/support/page/). Per engine:
//  1. the tab is closed at about half of a 512 MiB upload; a new tab of the same browser picks
//     the same file and continues it (no second POST, only the missing bytes plus at most one
//     chunk are PATCHed, stored SHA-256 equals the source; listResumableUploads() shows the
//     session before and not after);
//  2. the same across quitting and relaunching the browser with the same profile directory;
//     where storage does not survive a restart (can.keepStorageAcrossRestart: WebKit under
//     automation) the test asserts that limit instead: nothing listed, a new upload;
//  3. a different file with the same name, size and lastModified is not continued (new POST,
//     byte-exact), while the original file still is;
//  4. a second tab starting the same file waits in state `locked` without sending anything,
//     `onLocked: 'fail'` rejects with kind `locked`, and the server sees one writer only;
//  5. an Authorization token given in `headers` is found nowhere in the origin's IndexedDB,
//     localStorage or sessionStorage (and the server saw it on every request);
//  6. IndexedDB stores a Blob where can.blobInIndexedDB (and refuses it in WebKit's ephemeral
//     automation session); either way ferry's stored records hold no Blob and warn of nothing;
//  7. a hard crash: the browser's processes are SIGKILLed mid-upload (no unload, no pagehide)
//     and it starts again on the same profile; the same file picked again continues from the
//     stored record (one upload created, at most one chunk re-sent). Needs
//     can.keepStorageAcrossRestart (WebKit's automation session keeps nothing: its reason).
// Needs `node scripts/build.mjs` first. It mocks nothing, injects no faults (faults.test.mjs
// does), uses 127.0.0.1 only, and stops only the browsers and server it starts. Slowing an
// upload down is done in the page, by the recorder's `headers` function waiting before each
// request; the SDK is not touched.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../support/serve.mjs';
import { assertMonotonic, assertStored, confirmedBefore, entriesOf, removeStored, settled } from '../support/checks.mjs';
import { writeRandomFile } from '../support/files.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { getRun, listSessions, setDelay, startRun, until, untilConfirmed } from '../support/recorder.mjs';
import { MiB, sleep, uploadId } from '../support/util.mjs';

const BIG = 512 * MiB;
const BIG_CHUNK = 8 * MiB;
const MID = 64 * MiB;
const MID_CHUNK = 4 * MiB;
const SMALL = 32 * MiB;
const SMALL_CHUNK = 1 * MiB;
const TIMEOUT = 150_000;

let srv;
let tmp;
let page0;
const files = {}; // key -> { path, size, sha256, name }

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-resume-'));
  srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
  page0 = `${srv.url}test/`;
  for (const [key, rel, size] of [['big', 'big.bin', BIG], ['mid', 'mid.bin', MID], ['sameA', 'a/same.bin', SMALL],
    ['sameB', 'b/same.bin', SMALL], ['lock', 'lock.bin', MID], ['token', 'token.bin', SMALL], ['probe', 'probe.bin', 8 * MiB]]) {
    const p = path.join(tmp, rel);
    await fsp.mkdir(path.dirname(p), { recursive: true });
    files[key] = { ...(await writeRandomFile(p, size)), name: path.basename(p) };
  }
  // Same name, size and lastModified; different bytes everywhere.
  const mtime = new Date('2024-03-01T12:34:56.000Z');
  await fsp.utimes(files.sameA.path, mtime, mtime);
  await fsp.utimes(files.sameB.path, mtime, mtime);
}, { timeout: 60_000 });

after(async () => {
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

const postsSince = (t) => srv.log.filter((e) => e.method === 'POST' && e.startedAt >= t);

/**
 * The part shared by scenarios 1 and 2, after the interruption: `page` is a fresh page of a
 * browser that uploaded `source` as `id`. Lists sessions, picks the file again, continues,
 * and checks the server's view.
 */
async function continueAndCheck(page, source, id, chunk, label) {
  await sleep(300); // a PATCH in flight at the interruption has ended at the server
  const listed = await listSessions(page);
  const rec = listed.find((s) => s.uploadUrl && uploadId(s.uploadUrl) === id);
  assert.ok(rec, `${label}: listResumableUploads() lists the session: ${JSON.stringify(listed)}`);
  assert.equal(rec.name, source.name);
  assert.equal(rec.size, source.size);
  const before = confirmedBefore(srv, id, Date.now());
  assert.ok(before < source.size, `${label}: interrupted before the upload completed (${before})`);
  assert.ok(rec.bytesConfirmed > 0, `${label}: the stored session has bytesConfirmed > 0 (${rec.bytesConfirmed})`);
  assert.ok(rec.bytesConfirmed <= before, `${label}: stored bytesConfirmed ${rec.bytesConfirmed} <= server-confirmed ${before}`);

  await page.pick(source.path);
  const reopen = Date.now();
  await startRun(page, 'b', { endpoint: '/files/', chunkSize: chunk });
  const run = await until(page, 'b', (r) => r.done, 'the continued upload to finish');
  assert.ok(run.ok, `${label}: the continued upload failed: ${JSON.stringify(run.error)}`);
  assert.equal(uploadId(run.result.uploadUrl), id, `${label}: the same upload was continued`);
  await settled(srv, id, source.size);

  assert.equal(postsSince(reopen).length, 0, `${label}: no POST after the reopen`);
  assert.ok(!run.states.includes('creating'), `${label}: never in state creating: ${run.states.join(' ')}`);
  assert.ok(run.states.includes('resuming'), `${label}: went through state resuming: ${run.states.join(' ')}`);

  const afterEntries = entriesOf(srv, id, reopen);
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

  await assertStored(srv, id, source);
  const listedAfter = await listSessions(page);
  assert.ok(!listedAfter.some((s) => s.key === rec.key), `${label}: the session is gone after completion: ${JSON.stringify(listedAfter)}`);
  await removeStored(srv, id);
  return { before, head: head.responseOffset, sent, missing, stored: rec.bytesConfirmed };
}

/** Opens the test page, picks `file` and starts run `id` with `options`; returns [page, what the page saw]. */
async function openAndStart(driver, file, id, options, delayMs = 0) {
  const page = await driver.open(page0);
  await page.pick(file);
  if (delayMs) await setDelay(page, delayMs);
  return [page, await startRun(page, id, { endpoint: '/files/', ...options })];
}

for (const engine of engines()) {
  describe(engine, () => {
    let driver;
    before(async () => { driver = await launch(engine, { profile: path.join(tmp, `profile-${engine}`) }); }, { timeout: 60_000 });
    after(async () => { await driver?.close(); });

    test('1. closing the tab at ~50% of a 512 MiB upload: a new tab picks the same file and continues it', { timeout: TIMEOUT }, async () => {
      const source = files.big;
      const t0 = Date.now();
      const [page1] = await openAndStart(driver, source.path, 'a', { chunkSize: BIG_CHUNK }, 30);
      const run1 = await untilConfirmed(page1, 'a', BIG / 2);
      const listedBefore = await listSessions(page1);
      await page1.close();

      const created = postsSince(t0);
      assert.equal(created.length, 1, 'one POST before the close');
      const { id } = created[0];
      assert.ok(listedBefore.some((s) => uploadId(s.uploadUrl) === id), `listed while uploading: ${JSON.stringify(listedBefore)}`);

      const page2 = await driver.open(page0);
      const r = await continueAndCheck(page2, source, id, BIG_CHUNK, 'new tab');
      await page2.close();
      console.log(`# ${engine} 1: page saw ${run1.confirmed} at close, server confirmed ${r.before}, stored record ${r.stored}, HEAD ${r.head}, re-sent ${r.sent} for ${r.missing} missing, ${Date.now() - t0} ms`);
    });

    test('2. quitting and relaunching the browser with the same profile directory: the same file continues (where can.keepStorageAcrossRestart)', { timeout: TIMEOUT }, async () => {
      const source = files.mid;
      const t0 = Date.now();
      const [page1] = await openAndStart(driver, source.path, 'a', { chunkSize: MID_CHUNK }, 150);
      await untilConfirmed(page1, 'a', MID / 2);
      const listedBefore = await listSessions(page1);
      const created = postsSince(t0);
      assert.equal(created.length, 1, 'one POST before the quit');
      const { id } = created[0];
      assert.ok(listedBefore.some((s) => uploadId(s.uploadUrl) === id), 'the session was stored before the quit');
      await driver.relaunch();

      const page2 = await driver.open(page0);
      if (driver.can.keepStorageAcrossRestart) {
        const r = await continueAndCheck(page2, source, id, MID_CHUNK, 'relaunched browser');
        console.log(`# ${engine} 2: server confirmed ${r.before} at quit, stored record ${r.stored}, HEAD ${r.head}, re-sent ${r.sent} for ${r.missing} missing, ${Date.now() - t0} ms`);
      } else {
        // The limit, asserted: the relaunched browser lost every session, so the file starts anew.
        console.log(`# ${engine} 2: can.keepStorageAcrossRestart is false: ${driver.why.keepStorageAcrossRestart}`);
        await sleep(300);
        assert.ok(confirmedBefore(srv, id, Date.now()) < MID, 'quit before the upload completed');
        assert.deepEqual(await listSessions(page2), [], 'the relaunched browser lists no stored session');
        await page2.pick(source.path);
        const reopen = Date.now();
        await startRun(page2, 'b', { endpoint: '/files/', chunkSize: MID_CHUNK });
        const run = await until(page2, 'b', (r) => r.done, 'the new upload to finish');
        assert.ok(run.ok, `failed: ${JSON.stringify(run.error)}`);
        const newId = uploadId(run.result.uploadUrl);
        assert.notEqual(newId, id, 'a new upload, not the interrupted one');
        assert.equal(postsSince(reopen).length, 1, 'one new POST');
        assert.ok(run.states.includes('creating'), `states: ${run.states.join(' ')}`);
        await settled(srv, newId, source.size);
        await assertStored(srv, newId, source);
        await removeStored(srv, newId);
        await removeStored(srv, id);
      }
      await page2.close();
    });

    test('3. a different file with the same name, size and lastModified starts a new upload; the original still continues', { timeout: TIMEOUT }, async () => {
      const [a, b] = [files.sameA, files.sameB];
      const logStart = Date.now();
      // A: pause midway so its session stays stored, then close the tab (releases the lock).
      const [page1, pickedA] = await openAndStart(driver, a.path, 'a', { chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2 });
      await until(page1, 'a', (r) => r.state === 'paused', 'A paused');
      await page1.close();
      const postsA = postsSince(logStart);
      assert.equal(postsA.length, 1, 'one POST for A');
      const idA = postsA[0].id;

      // B: same name, size, type and lastModified as A in the browser's eyes.
      const page2 = await driver.open(page0);
      const listed = await listSessions(page2);
      const recA = listed.find((s) => uploadId(s.uploadUrl) === idA);
      assert.ok(recA, `A's session is stored: ${JSON.stringify(listed)}`);
      await page2.pick(b.path);
      const tB = Date.now();
      const pickedB = await startRun(page2, 'b', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      assert.deepEqual(pickedB, pickedA, 'the browser sees the same name, size, type and lastModified');
      const runB = await until(page2, 'b', (r) => r.done, 'B to finish');
      assert.ok(runB.ok, `B failed: ${JSON.stringify(runB.error)}`);
      const postsB = postsSince(tB);
      assert.equal(postsB.length, 1, 'B made a new POST');
      const idB = uploadId(runB.result.uploadUrl);
      assert.equal(postsB[0].id, idB);
      assert.notEqual(idB, idA, 'B is not A\'s upload');
      assert.ok(!runB.states.includes('resuming'), `B did not resume: ${runB.states.join(' ')}`);
      assert.equal(entriesOf(srv, idA, tB).length, 0, 'nothing was sent to A\'s upload while uploading B');
      await settled(srv, idB, b.size);
      await assertStored(srv, idB, b);
      assert.equal(entriesOf(srv, idB).filter((e) => e.method === 'PATCH').reduce((n, e) => n + e.bodyBytes, 0), b.size, 'B: no byte sent twice');
      await removeStored(srv, idB);
      const recAAfter = (await listSessions(page2)).find((s) => s.key === recA.key);
      assert.ok(recAAfter, 'A\'s session survived B');
      assert.equal(recAAfter.uploadUrl, recA.uploadUrl, 'A\'s session still points at A\'s upload');

      // Control: A itself still continues its own upload.
      await page2.pick(a.path);
      const tA = Date.now();
      await startRun(page2, 'a2', { endpoint: '/files/', chunkSize: SMALL_CHUNK });
      const runA = await until(page2, 'a2', (r) => r.done, 'A to finish');
      assert.ok(runA.ok, `A failed: ${JSON.stringify(runA.error)}`);
      const diagA = () => JSON.stringify({ states: runA.states, events: runA.events, requests: runA.requests.map((r) => r.method), server: srv.log.filter((e) => e.startedAt >= tA).map((e) => [e.method, e.id, e.status, e.requestOffset, e.responseOffset]) });
      assert.equal(uploadId(runA.result.uploadUrl), idA, `A continued its own upload: ${diagA()}`);
      assert.equal(postsSince(tA).length, 0, 'no POST for A again');
      await settled(srv, idA, a.size);
      await assertStored(srv, idA, a);
      await removeStored(srv, idA);
      await page2.close();
    });

    test('4. a second tab with the same file waits in state locked; onLocked "fail" rejects with kind locked; one writer at a time', { timeout: TIMEOUT }, async () => {
      const source = files.lock;
      const logStart = Date.now();
      const [tab1] = await openAndStart(driver, source.path, 'one', { chunkSize: SMALL_CHUNK }, 300);
      await untilConfirmed(tab1, 'one', 2 * SMALL_CHUNK);
      const posts = postsSince(logStart);
      assert.equal(posts.length, 1, 'tab 1 created the upload');
      const { id } = posts[0];

      const [tab2] = await openAndStart(driver, source.path, 'two', { chunkSize: SMALL_CHUNK });
      const [tab3] = await openAndStart(driver, source.path, 'three', { chunkSize: SMALL_CHUNK, onLocked: 'fail' });
      await tab1.front();

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
      await setDelay(tab1, 0);
      const one = await until(tab1, 'one', (r) => r.done, 'tab 1 to finish');
      assert.ok(one.ok, `tab 1 failed: ${JSON.stringify(one.error)}`);
      const oneDoneAt = Date.now();
      const twoEnd = await until(tab2, 'two', (r) => r.done, 'tab 2 to finish after tab 1', 30_000);
      assert.ok(twoEnd.ok, `tab 2 failed after the lock was free: ${JSON.stringify(twoEnd.error)}`);
      await settled(srv, id, source.size);

      const all = srv.log.filter((e) => e.startedAt >= logStart).sort((a, b) => a.startedAt - b.startedAt);
      assert.deepEqual(all.filter((e) => e.status === 409 || e.status === 423), [], 'no 409/423 at the server');
      assert.equal(all.filter((e) => e.method === 'POST').length, 1, 'exactly one POST in all three tabs');
      const patches = all.filter((e) => e.method === 'PATCH');
      assert.ok(patches.every((e) => e.id === id), 'every PATCH went to the one upload');
      let offset = 0;
      for (const p of patches) {
        assert.equal(p.requestOffset, offset, `PATCHes form one chain, no overlapping writer: ${JSON.stringify(patches.map((e) => [e.requestOffset, e.responseOffset, e.status]))}`);
        offset = p.responseOffset;
      }
      assert.equal(patches.reduce((n, e) => n + e.bodyBytes, 0), source.size, 'no byte sent twice');
      assert.deepEqual(twoEnd.requests.filter((r) => r.method !== 'HEAD'), [], `tab 2 only asked where the upload stands: ${JSON.stringify(twoEnd.requests)}`);
      assert.ok(twoEnd.requests.every((r) => r.at >= oneDoneAt - 1000), 'tab 2 sent nothing before tab 1 was done');
      assert.equal(uploadId(twoEnd.result.uploadUrl), id, 'tab 2 ended on the same upload');
      await assertStored(srv, id, source);
      await removeStored(srv, id);
      for (const p of [tab1, tab2, tab3]) await p.close();
    });

    test('4b. two tabs start the same file at the same moment: one upload is created, and the tab that waited ends on it', { timeout: TIMEOUT }, async () => {
      const source = files.lock;
      const logStart = Date.now();
      const open = async () => {
        const page = await driver.open(page0);
        await page.pick(source.path);
        await setDelay(page, 200);
        return page;
      };
      const [tab1, tab2] = [await open(), await open()];
      // Both start before either has stored a session.
      const options = { endpoint: '/files/', chunkSize: SMALL_CHUNK };
      await Promise.all([startRun(tab1, 'one', options), startRun(tab2, 'two', options)]);
      await Promise.all([setDelay(tab1, 0), setDelay(tab2, 0)]);
      const one = await until(tab1, 'one', (r) => r.done, 'tab 1 to finish');
      const two = await until(tab2, 'two', (r) => r.done, 'tab 2 to finish');
      assert.ok(one.ok && two.ok, `both end well: ${JSON.stringify([one.error, two.error])}`);
      const posts = srv.log.filter((e) => e.startedAt >= logStart && e.method === 'POST');
      assert.equal(posts.length, 1, `one upload created in both tabs: ${posts.length} POSTs`);
      assert.equal(uploadId(one.result.uploadUrl), uploadId(two.result.uploadUrl), 'both ended on the same upload');
      const waited = [one, two].find((r) => r.states.includes('locked'));
      assert.ok(waited, `one tab waited in state locked: ${one.states.join(' ')} / ${two.states.join(' ')}`);
      assert.deepEqual(waited.requests.filter((r) => r.method !== 'HEAD'), [], `the tab that waited only asked where the upload stands: ${JSON.stringify(waited.requests)}`);
      await assertStored(srv, posts[0].id, source);
      await removeStored(srv, posts[0].id);
      const left = (await listSessions(tab1)).filter((s) => s.name === path.basename(source.path));
      assert.deepEqual(left, [], 'no session of the file is left behind');
      for (const p of [tab1, tab2]) await p.close();
    });

    test('5. an Authorization token passed in headers is stored nowhere (IndexedDB, localStorage, sessionStorage)', { timeout: TIMEOUT }, async () => {
      const secret = crypto.randomBytes(24).toString('hex');
      const token = `Bearer ${secret}`;
      const logStart = Date.now();
      const [page] = await openAndStart(driver, files.token.path, 't', {
        chunkSize: SMALL_CHUNK, pauseAt: SMALL / 2, headers: { Authorization: token }, staticHeaders: true,
      });
      const run = await until(page, 't', (r) => r.state === 'paused' || r.done, 'the upload to pause');
      assert.equal(run.state, 'paused', `paused midway: ${run.states.join(' ')} ${JSON.stringify(run.error)}`);
      await sleep(1200); // any coalesced session write has landed
      const id = postsSince(logStart)[0]?.id;
      assert.ok(id, 'the upload was created');
      const sentAuth = srv.log.filter((e) => e.startedAt >= logStart).map((e) => e.authorization);
      assert.ok(sentAuth.length > 0 && sentAuth.every((h) => h === token), `the token was sent with every request: ${sentAuth.length} requests`);

      const dump = JSON.parse(await page.evaluate(() => window.ferryTest.dump()));
      const text = JSON.stringify(dump);
      const db = dump.databases.find((d) => d.name === 'ferry-upload');
      assert.ok(db && !db.missing, `the ferry-upload database exists (databases() ${dump.databasesApi ? 'available' : 'missing'}): ${text.slice(0, 500)}`);
      const values = db.stores.flatMap((s) => s.values);
      assert.ok(values.some((v) => typeof v.uploadUrl === 'string' && uploadId(v.uploadUrl) === id), `the paused session is in the dump: ${text.slice(0, 1000)}`);
      assert.ok(!text.includes(secret), 'the token is not in IndexedDB, localStorage or sessionStorage');
      assert.ok(!text.toLowerCase().includes('authorization'), 'no Authorization header name is stored either');
      assert.ok(!text.includes(Buffer.from(secret).toString('base64')), 'nor the token in base64');
      await page.close();
      await removeStored(srv, id);
    });

    test('6. IndexedDB takes a Blob where can.blobInIndexedDB (WebKit automation refuses it); ferry\'s records hold no Blob', { timeout: TIMEOUT }, async () => {
      const [page] = await openAndStart(driver, files.probe.path, 'p', { chunkSize: SMALL_CHUNK, pauseAt: 4 * MiB }, 100);
      const probe = await page.evaluate(() => window.ferryTest.idbProbe());
      // WebKit answers UnknownError "Error preparing Blob/File data to be stored in object store".
      const blob = driver.can.blobInIndexedDB ? { blob: 'stored', blobBack: 'blob' } : { blob: 'refused: UnknownError', blobBack: 'missing' };
      assert.deepEqual(probe, { plain: 'stored', plainBack: 'string', ...blob }, `IndexedDB in ${engine}; if this changed, update README's browser table`);

      // ferry keeps working either way: a stored session record is plain data.
      const run = await until(page, 'p', (r) => r.state === 'paused' || r.done, 'the upload to pause');
      assert.equal(run.state, 'paused', `paused midway: ${run.states.join(' ')}`);
      await sleep(1200);
      const id = uploadId(run.created[0].url);
      const dump = JSON.parse(await page.evaluate(() => window.ferryTest.dump()));
      const values = dump.databases.find((d) => d.name === 'ferry-upload').stores.flatMap((s) => s.values);
      const mine = values.find((v) => typeof v.uploadUrl === 'string' && uploadId(v.uploadUrl) === id);
      assert.ok(mine, `ferry stored the paused session in IndexedDB: ${JSON.stringify(values).slice(0, 500)}`);
      assert.ok(!JSON.stringify(values).includes('blobText'), 'no Blob in ferry\'s records');
      assert.ok(!run.events.some((e) => e.type === 'warning'), `no storage warning: ${JSON.stringify(run.events)}`);
      await page.close();
      await removeStored(srv, id);
    });

    test('7. the browser killed mid-upload (SIGKILL) and started on the same profile: the same file continues from the stored record', needs(engine, 'keepStorageAcrossRestart', { timeout: TIMEOUT }), async () => {
      const source = files.mid;
      const t0 = Date.now();
      const [page1] = await openAndStart(driver, source.path, 'a', { chunkSize: MID_CHUNK }, 150);
      await untilConfirmed(page1, 'a', MID / 2);
      const created = postsSince(t0);
      assert.equal(created.length, 1, 'one POST before the crash');
      const { id } = created[0];
      await driver.crash();

      const page2 = await driver.open(page0);
      const r = await continueAndCheck(page2, source, id, MID_CHUNK, 'after a crash');
      assert.equal(postsSince(t0).length, 1, 'one upload created in all');
      await page2.close();
      console.log(`# ${engine} 7: server confirmed ${r.before} at the kill, stored record ${r.stored}, HEAD ${r.head}, re-sent ${r.sent} for ${r.missing} missing, ${Date.now() - t0} ms`);
    });
  });
}

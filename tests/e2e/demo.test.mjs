// Demo page tier: the demo (www/, what `npm run demo` serves) driven in Chromium, Firefox and
// WebKit (tests/support/page-driver.mjs) against a real @tus/server (tests/support/serve.mjs startServer), asserting on what the
// page SHOWS (row names, badge `data-state` and text, `aria-valuenow` of the progress bar,
// bytes/speed/ETA text, buttons, the "Continue your uploads" list) and on what the server
// stored (SHA-256 of FileStore's <dataDir>/<id>) and logged (srv.log). Per browser:
//  1. two files picked with the file input: two rows, bars reach 100, badges completed, speed
//     and ETA text shown while uploading, stored bytes equal the sources;
//  2. Pause then Resume on a row: badge paused (bar stays put), then completed; one POST;
//  3. "Simulate offline": badge offline while pressed, nothing sent, completes after "Back online";
//  4. a reload mid-upload: "Continue your uploads" lists both files with their percentage;
//     "Forget" removes one row; picking the other file from its row continues the same upload
//     (no POST, only the missing bytes plus at most one chunk) to completion;
//  5. drag-and-drop: a synthetic dragover/drop carrying a DataTransfer built in the page from a
//     File made in the page (works in every engine: it is plain page script, not driver input);
//  6. Cancel: badge aborted, DELETE answered, the server no longer knows the upload (HEAD 404);
//  7. a 503 with Retry-After: 3 on a PATCH: the badge counts down "reconnecting in N s" and the
//     upload goes on; after a 503 with Retry-After: 120, "Retry now" continues at once;
//  8. the Record button is offered where the engine can record (can.record), else disabled with
//     the reason in its title;
//  9. Record (a real MediaRecorder on an animated canvas) uploads while recording: the row shows
//     "N recorded, M uploaded" with bytes uploaded before Stop; after Stop it completes, one
//     upload created with a deferred length, the stored bytes equal the recorder's output;
// 10. a reload while recording (where can.durableRecording): the take is listed under "Continue
//     your uploads" with what was recorded; Finish upload (resumeAll()) completes the same upload
//     with the bytes recorded before the reload.
// A screenshot of each key moment goes to test-output/demo/<browser>-<scenario>-<moment>.png
// (gitignored). Needs `node scripts/build.mjs` first.
//
// Uploads are slowed by tests/support/fault-proxy.mjs's throttle (127.0.0.1): the page is
// loaded through it, so PATCH bodies reach the server at a chosen rate in every engine
// alike; it also answers one chosen request with a status of its own (scenario 7).
// It does not mock the TUS server, does not touch the SDK or its options beyond the page's own
// chunk-size select, does not test the SDK's protocol edge cases (the other e2e files do), and
// stops only the browsers and servers it starts. The page helpers are tests/support/demo-page.mjs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/serve.mjs';
import { startFaultProxy } from '../support/fault-proxy.mjs';
import { sha256File, writeRandomFile } from '../support/files.mjs';
import {
  LOADED, chooseChunk, clickIn, ended, formatBytes, listSessions, pick, ready, recordedDigest, recordedPieces, recordingAmounts as amounts, rowInfo, texts, waitRow,
} from '../support/demo-page.mjs';
import { engines, launch, needs } from '../support/page-driver.mjs';
import { MiB, sleep, uploadId } from '../support/util.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = path.join(ROOT, 'test-output', 'demo');
const TIMEOUT = 60_000;

// ---- fixtures ----------------------------------------------------------------------------

let srv;
let proxy;
let tmp;
const files = {}; // key -> { path, name, size, sha256 }

before(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-demo-'));
  await fsp.mkdir(SHOTS, { recursive: true });
  srv = await startServer({ port: 0 });
  proxy = await startFaultProxy({ upstream: srv.url });
  const make = async (key, name, size) => {
    const p = path.join(tmp, name);
    files[key] = { path: p, name, size, sha256: (await writeRandomFile(p, size)).sha256 };
  };
  await make('big', 'holiday-video.bin', 24 * MiB);
  await make('small', 'notes.bin', 8 * MiB);
  await make('pause', 'pause-me.bin', 16 * MiB);
  await make('offline', 'offline.bin', 16 * MiB);
  await make('reloadA', 'continue-me.bin', 16 * MiB);
  await make('reloadB', 'forget-me.bin', 12 * MiB);
  await make('cancel', 'cancel-me.bin', 16 * MiB);
  await make('retry', 'retry-me.bin', 12 * MiB);
}, { timeout: 60_000 });

after(async () => {
  await proxy?.close();
  await srv?.close();
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

// ---- the page ----------------------------------------------------------------------------

/** Opens the demo page (through the proxy) and starts recording what it shows. */
async function openDemo(browser) {
  return ready(await browser.open(proxy.url, { ready: LOADED }));
}

/** A new demo page (through a link throttled to 8 MiB/s) with Record clicked: the page, the take's row name, when it began. */
async function recordTake(browser) {
  const page = await openDemo(browser);
  await recordedPieces(page);
  proxy.throttle({ bytesPerSec: 8 * MiB });
  const t0 = Date.now();
  await page.click('#record');
  const [take] = await texts(page, '#uploads .upload .name');
  return { page, take, t0 };
}

const shot = (page, engine, scenario, moment) => page.screenshot(path.join(SHOTS, `${engine}-${scenario}-${moment}.png`));

// ---- the server --------------------------------------------------------------------------

const postsSince = (t, size) => srv.log.filter((e) => e.method === 'POST' && e.startedAt >= t && (size === undefined || e.uploadLength === size));
const entriesOf = (id, since = 0) => srv.log.filter((e) => e.id === id && e.startedAt >= since).sort((a, b) => a.startedAt - b.startedAt);

/** Requests for upload `id` that reached the proxy at or after `t` (logged on arrival). */
const arrivedSince = (id, t) => proxy.log.filter((r) => r.startedAt >= t && r.path === `/files/${id}`).map((r) => r.method);

/** The one upload created for `source` since `t`. */
function createdFor(source, t) {
  const posts = postsSince(t, source.size);
  assert.equal(posts.length, 1, `one POST for ${source.name}: ${JSON.stringify(posts)}`);
  assert.equal(posts[0].status, 201);
  return posts[0].id;
}

/** The largest offset the server confirmed for `id` in a finished 2xx answer. */
function confirmed(id) {
  let max = 0;
  for (const e of srv.log) {
    if (e.id === id && e.completed && e.status >= 200 && e.status < 300 && e.responseOffset !== null) max = Math.max(max, e.responseOffset);
  }
  return max;
}

async function assertStored(id, source) {
  const deadline = Date.now() + 5000;
  while (confirmed(id) < source.size && Date.now() < deadline) await sleep(20);
  const stored = path.join(srv.dataDir, id);
  assert.equal((await fsp.stat(stored)).size, source.size, `${source.name}: stored size`);
  assert.equal(await sha256File(stored), source.sha256, `${source.name}: stored SHA-256 equals the source`);
}

/** HEAD straight at the server (not through the page). */
async function headStatus(id) {
  const res = await fetch(`${srv.url}files/${encodeURIComponent(id)}`, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  return res.status;
}

// ---- checks on what a row showed ---------------------------------------------------------

function assertCompletedRow(info, source) {
  assert.equal(info.state, 'completed', `${source.name}: badge data-state`);
  assert.equal(info.badge, 'completed', `${source.name}: badge text`);
  assert.equal(info.value, 100, `${source.name}: aria-valuenow`);
  assert.equal(info.fill, '100%', `${source.name}: bar filled`);
  const mib = `${(source.size / MiB).toFixed(1)} MiB`;
  assert.equal(info.bytes, `${mib} of ${mib} confirmed`, `${source.name}: bytes text`);
  assert.equal(info.speed, '', `${source.name}: no speed once done`);
  assert.equal(info.eta, '', `${source.name}: no ETA once done`);
  assert.deepEqual(info.visible, [], `${source.name}: no buttons once done`);
  assert.ok(info.url && uploadId(info.url), `${source.name}: the row knows its upload URL`);
  const values = info.seen.values;
  for (let i = 1; i < values.length; i++) assert.ok(values[i] >= values[i - 1], `${source.name}: aria-valuenow never decreased: ${values.join(' ')}`);
}

const SPEED = /^\d+(\.\d)? (B|KiB|MiB|GiB)\/s$/;
const ETA = /^(\d+ s|\d+ min \d+ s|\d+ h \d+ min) left$/;

for (const name of engines()) {
  describe(`demo page in ${name}`, () => {
    let browser;
    before(async () => { browser = await launch(name); }, { timeout: 60_000 });
    after(async () => { await browser?.close(); });

    test('1. two files picked with the file input: two rows, bars reach 100, completed, speed and ETA shown, stored byte for byte', { timeout: TIMEOUT }, async () => {
      const [big, small] = [files.big, files.small];
      const page = await openDemo(browser);
      proxy.throttle({ bytesPerSec: 12 * MiB });
      const t0 = Date.now();
      await pick(page, big, small);
      await page.waitFor(() => document.querySelectorAll('#uploads .upload').length >= 2, { polling: 20, timeout: 10_000 });
      const names = await texts(page, '#uploads .upload .name');
      assert.deepEqual(names.sort(), [big.name, small.name].sort(), 'one row per picked file');
      const mid = await waitRow(page, big.name, (r) => r.state === 'uploading' && r.value >= 10 && r.speed !== '', 'uploading with a speed');
      await shot(page, name, '1-pick', 'uploading');
      assert.match(mid.speed, SPEED, 'speed text while uploading');
      assert.match(mid.bytes, /^\d+(\.\d)? (B|KiB|MiB) of 24\.0 MiB confirmed$/);
      const bigDone = await waitRow(page, big.name, ended, 'the end');
      const smallDone = await waitRow(page, small.name, ended, 'the end');
      await shot(page, name, '1-pick', 'completed');
      for (const [info, source] of [[bigDone, big], [smallDone, small]]) {
        assertCompletedRow(info, source);
        assert.ok(info.seen.speeds.some((s) => SPEED.test(s)), `${source.name}: speed shown during the upload: ${JSON.stringify(info.seen.speeds)}`);
        assert.ok(info.seen.values.some((v) => v > 0 && v < 100), `${source.name}: the bar showed progress between 0 and 100: ${info.seen.values.join(' ')}`);
        assert.deepEqual(info.seen.states.filter((s) => s !== 'idle'), ['creating', 'uploading', 'completed'], `${source.name}: badge states`);
        const id = createdFor(source, t0);
        assert.equal(uploadId(info.url), id, `${source.name}: the row's URL is the upload the server created`);
        await assertStored(id, source);
      }
      assert.ok(bigDone.seen.etas.some((s) => ETA.test(s)), `ETA shown while uploading: ${JSON.stringify(bigDone.seen.etas)}`);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('2. Pause then Resume on a row: badge paused with the bar held, then completed; one POST', { timeout: TIMEOUT }, async () => {
      const source = files.pause;
      const page = await openDemo(browser);
      await chooseChunk(page, MiB);
      proxy.throttle({ bytesPerSec: 6 * MiB });
      const t0 = Date.now();
      await pick(page, source);
      await waitRow(page, source.name, (r) => r.state === 'uploading' && r.value >= 15, 'some progress');
      await clickIn(page, source.name, '.pause');
      const paused = await waitRow(page, source.name, (r) => r.state === 'paused', 'badge paused');
      const pausedAt = Date.now();
      assert.equal(paused.badge, 'paused');
      assert.deepEqual(paused.visible, ['resume', 'cancel'], 'Resume and Cancel offered while paused');
      assert.ok(paused.value > 0 && paused.value < 100, `paused midway (aria-valuenow ${paused.value})`);
      assert.deepEqual([paused.speed, paused.eta], ['', ''], 'no speed or time left while paused');
      const id = createdFor(source, t0);
      await sleep(1000);
      const held = await rowInfo(page, source.name);
      await shot(page, name, '2-pause', 'paused');
      assert.equal(held.state, 'paused', 'still paused');
      assert.equal(held.value, paused.value, 'the bar does not move while paused');
      assert.deepEqual(arrivedSince(id, pausedAt), [], 'nothing sent while paused');

      const resumedAt = Date.now();
      await clickIn(page, source.name, '.resume');
      const resumed = await waitRow(page, source.name, (r) => r.state === 'uploading', 'uploading again');
      assert.deepEqual(resumed.visible, ['pause', 'cancel']);
      const done = await waitRow(page, source.name, ended, 'the end');
      await shot(page, name, '2-pause', 'completed');
      assertCompletedRow(done, source);
      const states = done.seen.states.filter((s) => s !== 'idle');
      assert.deepEqual(states.slice(0, 3), ['creating', 'uploading', 'paused'], `badge states: ${states.join(' ')}`);
      assert.equal(states.at(-1), 'completed');
      assert.equal(postsSince(t0).length, 1, 'one POST in all');
      const after = entriesOf(id, resumedAt);
      assert.equal(after[0]?.method, 'HEAD', `Resume asked the server for its offset first: ${after.map((e) => e.method).join(' ')}`);
      assert.equal(after.find((e) => e.method === 'PATCH')?.requestOffset, after[0].responseOffset, 'and continued from it');
      await assertStored(id, source);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('3. "Simulate offline": badge offline while pressed, nothing sent, completes after "Back online"', { timeout: TIMEOUT }, async () => {
      const source = files.offline;
      const page = await openDemo(browser);
      await chooseChunk(page, MiB);
      proxy.throttle({ bytesPerSec: 6 * MiB });
      const t0 = Date.now();
      await pick(page, source);
      await waitRow(page, source.name, (r) => r.state === 'uploading' && r.value >= 15, 'some progress');
      await page.click('#offline');
      assert.equal(await page.evaluate(() => { const b = document.getElementById('offline'); return [b.getAttribute('aria-pressed'), b.textContent].join(); }), 'true,Back online');
      // The PATCH in flight finishes; then the upload waits for the network.
      const off = await waitRow(page, source.name, (r) => r.state === 'offline', 'badge offline', 10_000);
      assert.equal(off.badge, 'offline');
      assert.equal(off.eta, 'waiting for the network');
      assert.equal(off.speed, '', 'no speed while offline');
      const id = createdFor(source, t0);
      const offAt = Date.now();
      await sleep(1500);
      const still = await rowInfo(page, source.name);
      await shot(page, name, '3-offline', 'offline');
      assert.equal(still.state, 'offline', 'still offline while the button is pressed');
      assert.equal(still.value, off.value, 'the bar holds while offline');
      assert.ok(still.value < 100, `offline before the end (aria-valuenow ${still.value})`);
      assert.deepEqual(arrivedSince(id, offAt), [], 'nothing sent while offline');

      await page.click('#offline');
      assert.equal(await page.evaluate(() => { const b = document.getElementById('offline'); return [b.getAttribute('aria-pressed'), b.textContent].join(); }), 'false,Simulate offline');
      const done = await waitRow(page, source.name, ended, 'the end');
      await shot(page, name, '3-offline', 'completed');
      assertCompletedRow(done, source);
      assert.ok(done.seen.etas.includes('waiting for the network'));
      assert.equal(postsSince(t0).length, 1, 'one POST');
      await assertStored(id, source);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('4. after a reload mid-upload, "Continue your uploads" lists both files; Forget removes one; picking the other continues it', { timeout: TIMEOUT }, async () => {
      const [a, b] = [files.reloadA, files.reloadB];
      const page = await openDemo(browser);
      await chooseChunk(page, MiB);
      proxy.throttle({ bytesPerSec: 6 * MiB });
      const t0 = Date.now();
      await pick(page, a, b);
      await waitRow(page, a.name, (r) => r.value >= 20, 'A at 20%');
      await waitRow(page, b.name, (r) => r.value >= 20, 'B at 20%');
      await sleep(600); // a session write (at most twice a second) has followed the progress
      const idA = createdFor(a, t0);
      const idB = createdFor(b, t0);
      await page.reload();
      const reloadedAt = Date.now();
      await ready(page);
      const atReload = { [a.name]: confirmed(idA), [b.name]: confirmed(idB) };
      assert.ok(atReload[a.name] < a.size && atReload[b.name] < b.size, `reloaded before the end: ${JSON.stringify(atReload)}`);

      await page.waitFor(() => !document.getElementById('resumable').hidden, { polling: 50, timeout: 10_000 });
      const listed = await page.evaluate(() => [...document.querySelectorAll('#sessions .session')].map((e) => ({
        name: e.querySelector('.name').textContent, done: e.querySelector('.done').textContent,
      })));
      await shot(page, name, '4-reload', 'continue-list');
      const sessions = await listSessions(page);
      for (const source of [a, b]) {
        const item = listed.find((l) => l.name === source.name);
        assert.ok(item, `${source.name} is listed under "Continue your uploads": ${JSON.stringify(listed)}`);
        const rec = sessions.find((s) => s.name === source.name);
        assert.ok(rec, `${source.name} has a stored session`);
        const pct = Math.floor((100 * rec.bytesConfirmed) / source.size);
        assert.ok(pct > 0 && rec.bytesConfirmed <= atReload[source.name], `${source.name}: stored ${rec.bytesConfirmed} within what the server confirmed (${atReload[source.name]})`);
        const mib = `${(source.size / MiB).toFixed(1)} MiB`;
        assert.ok(item.done.startsWith(`${pct}% of ${mib} · `), `${source.name}: shows "${pct}% of ${mib}": ${item.done}`);
      }
      assert.equal((await texts(page, '#uploads .upload')).length, 0, 'no upload runs after the reload');

      // Forget B: its row goes, its session goes, the server's upload is left alone.
      await page.click((n) => [...document.querySelectorAll('#sessions .session')]
        .find((e) => e.querySelector('.name').textContent === n)?.querySelector('.forget'), b.name);
      await page.waitFor((n) => ![...document.querySelectorAll('#sessions .session .name')].some((e) => e.textContent === n), { polling: 50, timeout: 10_000 }, b.name);
      const left = await texts(page, '#sessions .session .name');
      assert.ok(left.includes(a.name) && !left.includes(b.name), `after Forget: ${left.join(', ')}`);
      assert.ok(!(await listSessions(page)).some((s) => s.name === b.name), 'B\'s session is gone');
      assert.equal(await headStatus(idB), 200, 'Forget leaves the server\'s upload alone');
      await shot(page, name, '4-reload', 'forgotten');

      // Pick A again in its own row: the same upload continues.
      await chooseChunk(page, MiB);
      assert.deepEqual(arrivedSince(idA, reloadedAt), [], 'nothing sent for A between the reload and the pick');
      const pickedAt = Date.now();
      await page.setFiles((n) => [...document.querySelectorAll('#sessions .session')]
        .find((e) => e.querySelector('.name').textContent === n)?.querySelector('input[type=file]'), [a.path], a.name);
      await waitRow(page, a.name, () => true, 'a row for A', 10_000);
      await waitRow(page, a.name, (r) => r.value > 0, 'A showing progress');
      await shot(page, name, '4-reload', 'continuing');
      const done = await waitRow(page, a.name, ended, 'the end');
      await shot(page, name, '4-reload', 'completed');
      assertCompletedRow(done, a);
      assert.equal(uploadId(done.url), idA, 'the row finished the upload created before the reload');
      assert.ok(done.seen.states.includes('resuming') && !done.seen.states.includes('creating'), `resumed, not created: ${done.seen.states.join(' ')}`);
      const firstShown = done.seen.values.find((v) => v > 0);
      assert.ok(firstShown >= Math.floor((100 * (atReload[a.name] - MiB)) / a.size), `the bar continued from where it was (${firstShown}%), not from 0`);
      assert.equal(postsSince(pickedAt).length, 0, 'no second POST');
      const afterPick = entriesOf(idA, pickedAt);
      const head = afterPick.find((e) => e.method === 'HEAD');
      assert.ok(head && head.status === 200, `a HEAD learned the offset: ${JSON.stringify(afterPick)}`);
      const patches = afterPick.filter((e) => e.method === 'PATCH');
      assert.equal(patches[0].requestOffset, head.responseOffset, 'the first PATCH starts at the server\'s offset');
      const sent = patches.reduce((n, e) => n + e.bodyBytes, 0);
      const missing = a.size - atReload[a.name];
      assert.ok(sent <= missing + MiB, `sent ${sent} bytes after the pick: at most the missing ${missing} plus one chunk`);
      await assertStored(idA, a);
      await page.waitFor(() => document.getElementById('resumable').hidden, { polling: 50, timeout: 10_000 });
      assert.ok(!(await listSessions(page)).some((s) => s.name === a.name), 'A\'s session is gone after completion');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('5. drag-and-drop: a synthetic drop with a DataTransfer built in the page from a File made in the page', { timeout: TIMEOUT }, async () => {
      const page = await openDemo(browser);
      proxy.throttle({ bytesPerSec: 8 * MiB });
      const t0 = Date.now();
      const fileName = `dropped-${name}.bin`;
      const size = 6 * MiB + 12345;
      const sha = await page.evaluate(async (n, size) => {
        const bytes = new Uint8Array(size);
        for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
        const file = new File([bytes], n, { type: 'application/octet-stream' });
        const dt = new DataTransfer();
        dt.items.add(file);
        const drop = document.getElementById('drop');
        drop.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        window.__overAfterDragover = drop.classList.contains('over');
        window.__dropped = dt;
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('');
      }, fileName, size);
      assert.equal(await page.evaluate(() => window.__overAfterDragover), true, 'dragover highlights the drop zone');
      await shot(page, name, '5-drop', 'dragover');
      const notCancelled = await page.evaluate(() => document.getElementById('drop')
        .dispatchEvent(new DragEvent('drop', { dataTransfer: window.__dropped, bubbles: true, cancelable: true })));
      assert.equal(notCancelled, false, 'the page handles the drop (preventDefault)');
      assert.equal(await page.evaluate(() => document.getElementById('drop').classList.contains('over')), false, 'the highlight goes');
      const rows = await texts(page, '#uploads .upload .name');
      assert.deepEqual(rows, [fileName], 'one row for the dropped file');
      const done = await waitRow(page, fileName, ended, 'the end');
      await shot(page, name, '5-drop', 'completed');
      assertCompletedRow(done, { name: fileName, size });
      const id = createdFor({ name: fileName, size }, t0);
      assert.equal(uploadId(done.url), id);
      await assertStored(id, { name: fileName, size, sha256: sha });
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('6. Cancel: badge aborted, the server deletes the upload (HEAD 404)', { timeout: TIMEOUT }, async () => {
      const source = files.cancel;
      const page = await openDemo(browser);
      await chooseChunk(page, MiB);
      proxy.throttle({ bytesPerSec: 4 * MiB });
      const t0 = Date.now();
      await pick(page, source);
      const mid = await waitRow(page, source.name, (r) => r.state === 'uploading' && r.value >= 10, 'some progress');
      const id = createdFor(source, t0);
      assert.equal(await headStatus(id), 200, 'the upload exists before Cancel');
      const cancelAt = Date.now();
      await clickIn(page, source.name, '.cancel');
      const aborted = await waitRow(page, source.name, (r) => r.state === 'aborted', 'badge aborted', 10_000);
      await sleep(300);
      const shown = await rowInfo(page, source.name);
      await shot(page, name, '6-cancel', 'aborted');
      assert.equal(aborted.badge, 'aborted');
      assert.deepEqual(shown.visible, [], 'no buttons once cancelled');
      assert.ok(shown.value >= mid.value && shown.value < 100, `the bar stays where it was (${shown.value})`);
      assert.equal(shown.speed, '');
      assert.equal(shown.eta, '');
      const deletes = entriesOf(id, cancelAt).filter((e) => e.method === 'DELETE');
      assert.deepEqual(deletes.map((e) => e.status), [204], 'one DELETE, answered 204');
      assert.equal(await headStatus(id), 404, 'the server no longer knows the upload');
      await assert.rejects(fsp.stat(path.join(srv.dataDir, id)), 'the stored bytes are gone');
      assert.ok(!(await listSessions(page)).some((s) => s.name === source.name), 'no stored session to continue');
      assert.ok(!(await texts(page, '#sessions .session .name')).includes(source.name));
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('7. a 503 with Retry-After on a PATCH: the badge counts down "reconnecting in N s" and goes on; "Retry now" cuts a long wait short', { timeout: TIMEOUT }, async () => {
      const source = files.retry;
      const page = await openDemo(browser);
      await chooseChunk(page, MiB);
      proxy.throttle({ bytesPerSec: 4 * MiB });
      const t0 = Date.now();
      await pick(page, source);
      await waitRow(page, source.name, (r) => r.state === 'uploading' && r.value >= 10, 'some progress');
      proxy.inject({ method: 'PATCH', action: 'status', status: 503, headers: { 'Retry-After': '3' } });
      const waiting = await waitRow(page, source.name, (r) => r.state === 'reconnecting' && /in [23] s/.test(r.badge), 'a countdown', 15_000);
      await shot(page, name, '7-reconnecting', 'countdown');
      assert.match(waiting.badge, /^reconnecting in [23] s \(attempt 1\)$/);
      assert.match(waiting.error, /503/, `the reason is shown: ${waiting.error}`);
      assert.deepEqual([waiting.speed, waiting.eta], ['', ''], 'no speed or time left while waiting to retry');
      assert.deepEqual(waiting.visible, ['pause', 'resume', 'cancel'], 'Pause, "Retry now" and Cancel offered while waiting');
      assert.equal(await page.evaluate(() => document.querySelector('#uploads .upload .resume').textContent), 'Retry now');
      const goneOn = await waitRow(page, source.name, (r) => r.state === 'uploading' && r.value > waiting.value, 'uploading again after the wait', 15_000);
      const ticks = goneOn.seen.badges.filter((t) => t.startsWith('reconnecting in'));
      assert.ok(ticks.length >= 2, `the countdown ticked: ${JSON.stringify(goneOn.seen.badges)}`);
      assert.equal(goneOn.error, '', 'the reason is cleared once it goes on');

      // A long Retry-After: "Retry now" tries at once.
      proxy.inject({ method: 'PATCH', action: 'status', status: 503, headers: { 'Retry-After': '120' } });
      const long = await waitRow(page, source.name, (r) => r.state === 'reconnecting' && /in 1[12]\d s/.test(r.badge), 'a long countdown', 15_000);
      assert.ok(long.value < 100, 'the long wait came before the end');
      const clickedAt = Date.now();
      await clickIn(page, source.name, '.resume');
      await waitRow(page, source.name, (r) => r.state === 'uploading', 'uploading again at once', 10_000);
      assert.ok(Date.now() - clickedAt < 10_000, 'did not wait for the Retry-After');
      const done = await waitRow(page, source.name, ended, 'the end');
      await shot(page, name, '7-reconnecting', 'completed');
      assertCompletedRow(done, source);
      assert.equal(done.error, '');
      const id = createdFor(source, t0);
      const injected = proxy.log.filter((r) => r.fault === 'status 503' && r.startedAt >= t0 && r.path === `/files/${id}`);
      assert.equal(injected.length, 2, 'both 503s were answered to this upload');
      await assertStored(id, source);
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('8. the Record button is offered where the engine can record, else disabled with the reason', { timeout: TIMEOUT }, async () => {
      const page = await openDemo(browser);
      const button = await page.evaluate(() => { const b = document.getElementById('record'); return { disabled: b.disabled, title: b.title }; });
      assert.equal(!button.disabled, browser.can.record, `Record ${button.disabled ? `disabled: ${button.title}` : 'offered'}; can.record: ${browser.why.record ?? true}`);
      if (button.disabled) {
        const why = button.title.replace(/^This browser cannot record: /, '');
        assert.notEqual(why, button.title, `the title says why: ${button.title}`);
        assert.ok(browser.why.record.includes(why), `the reason is the capability's: ${why}`);
        await shot(page, name, '8-record', 'disabled');
      }
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('9. Record uploads while recording: "N recorded, M uploaded", Stop, completed, one upload, stored byte for byte', needs(name, 'record', { timeout: TIMEOUT }), async () => {
      const { page, take, t0 } = await recordTake(browser);
      assert.match(take ?? '', /^take-1\.(webm|mp4)$/, 'one row for the recording');
      const live = await waitRow(page, take, (r) => {
        const a = amounts(r.bytes);
        return r.state === 'uploading' && a && a.recorded >= MiB && a.uploaded > 0;
      }, 'a MiB recorded and bytes uploaded', 30_000);
      await shot(page, name, '9-record', 'recording');
      assert.deepEqual(live.visible, ['stop', 'pause', 'cancel'], 'Stop offered while recording');
      const stoppedAt = Date.now();
      await clickIn(page, take, '.stop');
      const done = await waitRow(page, take, ended, 'the end');
      await shot(page, name, '9-record', 'completed');
      const recorded = await recordedDigest(page);
      assert.equal(done.state, 'completed', `badge: ${done.seen.states.join(' ')}; ${done.error}`);
      assert.equal(done.value, 100, 'aria-valuenow');
      assert.deepEqual(done.visible, [], 'no buttons once done');
      const mib = `${(recorded.size / MiB).toFixed(1)} MiB`;
      assert.equal(done.bytes, `${mib} recorded, ${mib} uploaded`);
      assert.deepEqual(done.seen.states.filter((s) => s !== 'idle'), ['creating', 'uploading', 'completed'], 'badge states');
      assert.ok(done.seen.bytes.map(amounts).every(Boolean), `every bytes text reads "N recorded, M uploaded": ${JSON.stringify(done.seen.bytes)}`);
      const posts = postsSince(t0);
      assert.equal(posts.length, 1, `one upload created: ${JSON.stringify(posts)}`);
      assert.deepEqual([posts[0].status, posts[0].uploadLength], [201, null], 'created with a deferred length');
      const id = posts[0].id;
      assert.equal(uploadId(done.url), id, 'the row\'s URL is the upload the server created');
      const during = entriesOf(id).filter((e) => e.method === 'PATCH' && e.startedAt < stoppedAt);
      assert.ok(during.length >= 1, 'bytes were sent before Stop');
      await assertStored(id, { name: take, size: recorded.size, sha256: recorded.sha256 });
      assert.ok(!(await listSessions(page)).some((s) => s.name === take), 'no stored session left');
      assert.deepEqual(page.errors, []);
      await page.close();
    });

    test('10. a reload while recording: "Continue your uploads" lists the take; Finish upload completes it from what was buffered', needs(name, 'durableRecording', { timeout: TIMEOUT }), async () => {
      const { page, take, t0 } = await recordTake(browser);
      await waitRow(page, take, (r) => amounts(r.bytes)?.uploaded > 0, 'bytes uploaded', 30_000);
      const recorded = await recordedDigest(page, { pause: true });
      await page.reload();
      await ready(page);
      await page.waitFor(() => !document.getElementById('resumable').hidden, { polling: 50, timeout: 10_000 });
      const listed = await page.evaluate(() => [...document.querySelectorAll('#sessions .session')].map((e) => ({
        name: e.querySelector('.name').textContent, done: e.querySelector('.done').textContent, finish: Boolean(e.querySelector('.finish')), pick: Boolean(e.querySelector('.pick')),
      })));
      await shot(page, name, '10-record-reload', 'continue-list');
      assert.equal(listed.length, 1, JSON.stringify(listed));
      assert.deepEqual([listed[0].name, listed[0].finish, listed[0].pick], [take, true, false], 'the take, with Finish upload and no file to pick');
      assert.ok(listed[0].done.startsWith(`recording · ${formatBytes(recorded.size)} recorded, `), `shows what was recorded: ${listed[0].done}`);
      await page.click('#sessions .session .finish');
      const done = await waitRow(page, take, ended, 'the end');
      await shot(page, name, '10-record-reload', 'completed');
      assert.equal(done.state, 'completed', `badge: ${done.seen.states.join(' ')}; ${done.error}`);
      assert.equal(done.bytes, `${formatBytes(recorded.size)} recorded, ${formatBytes(recorded.size)} uploaded`);
      const posts = postsSince(t0);
      assert.equal(posts.length, 1, `one upload created: ${JSON.stringify(posts)}`);
      assert.equal(uploadId(done.url), posts[0].id, 'the upload created before the reload was finished');
      await assertStored(posts[0].id, { name: take, size: recorded.size, sha256: recorded.sha256 });
      await page.waitFor(() => document.getElementById('resumable').hidden, { polling: 50, timeout: 10_000 });
      assert.deepEqual(page.errors, []);
      await page.close();
    });
  });
}

// Checks of finished uploads shared by the browser tests and scripts/chaos.mjs, read from what
// the servers logged (tests/support/serve.mjs's `log`, the fault proxy's `log`) and stored, and from
// the page recorder's run: the stored bytes, the POSTs, the offsets the server confirmed,
// progress order, the states that show a fault, and recovery times after going online.
// checkUpload() returns a list of problems instead of throwing, so chaos runs can count them;
// the assert* helpers throw. It starts nothing and injects no faults.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { hashFile, sha256File } from './files.mjs';
import { sleep, uploadId } from './util.mjs';

/** Offsets the server confirmed in finished 2xx answers; a created upload is at offset 0. */
export function confirmedOffsets(entries) {
  const offsets = new Set();
  for (const e of entries) {
    if (!e.completed || e.status < 200 || e.status > 299) continue;
    if (e.responseOffset !== null) offsets.add(e.responseOffset);
    if (e.method === 'POST' && e.status === 201) offsets.add(0);
  }
  return offsets;
}

/** Log entries of upload `id` started at/after `since` (ms), in start order. */
export function entriesOf(srv, id, since = 0) {
  return srv.log.filter((e) => e.id === id && e.startedAt >= since).sort((a, b) => a.startedAt - b.startedAt);
}

/** The largest offset the server confirmed for `id` in a finished 2xx answer started before `t`. */
export function confirmedBefore(srv, id, t) {
  let max = 0;
  for (const e of entriesOf(srv, id)) {
    if (e.startedAt >= t || !e.completed || e.status < 200 || e.status > 299) continue;
    if (e.responseOffset !== null) max = Math.max(max, e.responseOffset);
  }
  return max;
}

/** Waits briefly for the server to log the answer that confirmed all `size` bytes of `id`. */
export async function settled(srv, id, size) {
  const deadline = Date.now() + 5000;
  while (!confirmedOffsets(entriesOf(srv, id)).has(size) && Date.now() < deadline) await sleep(20);
}

export async function assertStored(srv, id, source) {
  const stored = path.join(srv.dataDir, id);
  assert.equal((await fsp.stat(stored)).size, source.size, 'stored size');
  assert.equal(await sha256File(stored), source.sha256, 'stored SHA-256 equals the source');
}

export async function removeStored(srv, id) {
  await fsp.rm(path.join(srv.dataDir, id), { force: true });
  await fsp.rm(path.join(srv.dataDir, `${id}.json`), { force: true });
}

/** Progress of `run` never decreased, and ended at `size`. */
export function assertMonotonic(run, size, confirmed) {
  let previous = 0;
  for (const p of run.progress) {
    assert.equal(p.bytesTotal, size, 'bytesTotal');
    assert.ok(p.bytesConfirmed >= previous, `progress decreased: ${previous} -> ${p.bytesConfirmed}`);
    if (confirmed) assert.ok(confirmed.has(p.bytesConfirmed), `progress ${p.bytesConfirmed} is not an offset the server confirmed`);
    previous = p.bytesConfirmed;
  }
  assert.equal(run.progress.at(-1)?.bytesConfirmed, size, 'progress ends at the file size');
}

/** PATCH exchanges that did not end in a forwarded 2xx answer: each may waste up to a chunk. */
export function interruptedPatches(proxy, since = 0) {
  return proxy.log.slice(since).filter((e) => e.method === 'PATCH'
    && !(e.outcome === 'forwarded' && e.status >= 200 && e.status < 300)).length;
}

/**
 * Checks a finished upload through a fault proxy. Returns { problems: string[], stats }.
 *   rec         the page recorder's run
 *   source      { path, size, sha256 }
 *   proxy       the fault proxy the page talked through (fresh for this upload)
 *   dataDir     where the server stores <id>; or
 *   read        (uploadUrl) => { size, sha256 } of what the server stored
 *   expectPosts POSTs that must have reached the server (default 1)
 *   sent        how many times the file's bytes may go out in full (default expectPosts;
 *               1 for a parallel upload, whose parts and final POST are all POSTs)
 *   faultStates states of which at least one must appear after the first 'uploading'
 *               (e.g. ['reconnecting'] or ['offline']); [] when nothing must show
 */
export async function checkUpload({ rec, source, proxy, dataDir, read, chunkSize, expectPosts = 1, sent = expectPosts, faultStates = [] }) {
  const problems = [];
  const { states } = rec;
  const stats = {
    ok: rec.ok, ms: rec.ms, states, reconnects: rec.reconnecting.length,
    patchBytes: proxy.patchBytesForwarded, interrupted: interruptedPatches(proxy), byteExact: false,
  };
  stats.overhead = source.size ? stats.patchBytes / source.size : 1;
  if (!rec.ok) {
    problems.push(`upload failed: ${JSON.stringify(rec.error)}; states ${states.join(' ')}`);
  } else {
    if (rec.result?.bytesTotal !== source.size) problems.push(`bytesTotal ${rec.result?.bytesTotal} != ${source.size}`);
    const readStored = read ?? ((url) => hashFile(path.join(dataDir, uploadId(url))));
    const got = await readStored(rec.result.uploadUrl).catch(() => null);
    if (!got) problems.push(`nothing stored for ${rec.result.uploadUrl}`);
    else if (got.size !== source.size) problems.push(`stored ${got.size} bytes, source has ${source.size}`);
    else if (got.sha256 !== source.sha256) problems.push('stored SHA-256 differs from the source');
    else stats.byteExact = true;
    if (states.at(-1) !== 'completed') problems.push(`last state ${states.at(-1)}, not completed`);
  }
  const posts = proxy.counts().POST ?? 0;
  if (posts !== expectPosts) problems.push(`${posts} POST(s) reached the server, expected ${expectPosts}`);
  const limit = source.size * sent + stats.interrupted * chunkSize;
  if (stats.patchBytes > limit) {
    problems.push(`PATCH bytes forwarded ${stats.patchBytes} > ${limit} (size + ${stats.interrupted} interruption(s) x chunk)`);
  }
  let prev = 0;
  for (const p of rec.progress) {
    if (rec.restarted.some((r) => r.t <= p.t) && p.bytesConfirmed < prev) { prev = p.bytesConfirmed; continue; }
    if (p.bytesConfirmed < prev) { problems.push(`progress decreased ${prev} -> ${p.bytesConfirmed} at ${p.t} ms`); break; }
    prev = p.bytesConfirmed;
  }
  if (faultStates.length) {
    const firstUpload = states.indexOf('uploading');
    const after = firstUpload < 0 ? [] : states.slice(firstUpload);
    if (!faultStates.some((s) => after.includes(s))) {
      problems.push(`none of [${faultStates.join(', ')}] among the states after the first 'uploading': ${states.join(' ')}`);
    }
  }
  return { problems, stats };
}

/**
 * Times (ms) from each `online` event to the first later progress event that confirmed more
 * bytes than were confirmed at that moment. An online event with no such progress is omitted.
 */
export function recoveryTimes(rec) {
  const out = [];
  for (const ev of rec.net.filter((n) => n.type === 'online')) {
    const before = rec.progress.filter((p) => p.t <= ev.t).at(-1)?.bytesConfirmed ?? 0;
    const next = rec.progress.find((p) => p.t >= ev.t && p.bytesConfirmed > before);
    if (next) out.push(next.t - ev.t);
  }
  return out;
}

/** Times (ms) from each `online` event to the first request state (resuming, uploading, creating) after it. */
export function resumeTimes(rec) {
  const out = [];
  for (const ev of rec.net.filter((n) => n.type === 'online')) {
    const next = rec.stateLog.find((x) => x.t >= ev.t && ['resuming', 'uploading', 'creating'].includes(x.s));
    if (next) out.push(next.t - ev.t);
  }
  return out;
}

export function median(xs) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

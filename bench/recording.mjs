// Benchmark group "recording": how soon after recorder.stop() is a recording on the server?
// Headless Chromium records an animated, noisy 960x540 canvas at 30 fps with a real
// MediaRecorder (VP8, videoBitsPerSecond 8,000,000, timeslice 1000 ms) for 2 minutes
// (FERRY_BENCH_QUICK: 10 s) and half a timeslice (so the stop falls half way through a piece,
// the average case) while ferry uploads it (`source: recorder`, deferred length,
// default options); timed in the page from recorder.stop() to start() resolving. The baseline,
// "record, then upload the file", uploads the same recorder output (the concatenated pieces,
// as a File in #file) with tus-js-client (default options, bench.js's runner, as
// bench/clients.mjs runs it) once ferry is done, so the two never share the link: its time is
// the stop to the recorder's last piece (measured in the same recording) plus its upload from
// start() to onSuccess. Both go to one real @tus/server with a FileStore (tests/support/serve.mjs),
// on two links: straight over 127.0.0.1, and through tests/support/fault-proxy.mjs's throttle
// (50 Mbit/s upload, 100 ms round trip, as bench/throttled.mjs). Each rep records once per
// link. Every stored upload (ferry's and the baseline's) is checked by size and SHA-256 against
// the recorder output and deleted; ferry's must have been created once with a deferred length.
// The frames the encoder produced are counted in the stored WebM (bench/webm.mjs).
// Returns raw figures for bench/report-recording.mjs; it writes no file in the repo and judges
// nothing. The page side is bench/recording-page.js.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../tests/support/serve.mjs';
import crypto from 'node:crypto';
import { startFaultProxy } from '../tests/support/fault-proxy.mjs';
import { openPage } from './browser.mjs';
import { lastSegment } from './clients.mjs';
import { ROOT } from './page-root.mjs';
import { LINK } from './throttled.mjs';
import { webmFrames } from './webm.mjs';

// Chromium's VP8 encoder does not hold videoBitsPerSecond on noise: what it writes is about
// its bits per frame (set by the content) times the frames it finds the CPU to encode. 960x540
// with noise of ±96 around mid-grey in 2x2 blocks came out near 8 Mbit/s at the 20-25 encoded
// frames per second a shared 2-core machine gives (full-range noise: 10-13 Mbit/s).
export const RECORDING = { width: 960, height: 540, grain: 2, amplitude: 96, fps: 30, videoBitsPerSecond: 8_000_000, timeslice: 1000 };
export const LINKS = [
  { key: 'loopback', label: 'loopback (127.0.0.1)' },
  { key: 'throttled', label: `${LINK.rate / 1e6} Mbit/s, ${LINK.delayMs * 2} ms round trip` },
];
const PAGE_MODULE = '/recording-page.js';


/** Calls export `fn` of bench/recording-page.js in `page` with `arg`. */
const call = (page, fn, arg) => page.evaluate((m, f, a) => import(m).then((mod) => mod[f](a)), PAGE_MODULE, fn, arg);

/**
 * Checks that upload `id` on `srv` holds `want` ({ size, sha256 }) byte for byte, then deletes
 * it; resolves to its frame count (bench/webm.mjs).
 */
async function checkStored(srv, id, want, what) {
  const stored = path.join(srv.dataDir, id);
  const bytes = await fsp.readFile(stored).catch(() => null);
  await fsp.rm(stored, { force: true });
  await fsp.rm(`${stored}.json`, { force: true });
  const size = bytes?.length ?? null;
  const sha256 = bytes && crypto.createHash('sha256').update(bytes).digest('hex');
  if (size !== want.size || sha256 !== want.sha256) {
    throw new Error(`${what}: the server holds ${size} bytes (SHA-256 ${sha256}), the recorder output is ${want.size} bytes (${want.sha256})`);
  }
  return webmFrames(bytes);
}

/** One recording on `link`: ferry while recording, then the baseline on the same output. */
async function recordOnce({ browser, srv, link, pageUrl, ms, name }) {
  const page = await openPage(browser, pageUrl);
  await page.bringToFront();
  try {
    srv.log.length = 0;
    const rec = await call(page, 'record', { endpoint: '/files/', ms: ms + RECORDING.timeslice / 2, filename: `${name}.webm`, ...RECORDING });
    if (!rec.ok) throw new Error(`recording, ${link.label}: ferry failed: ${rec.error}`);
    const want = await call(page, 'digest');
    const id = lastSegment(new URL(rec.url, pageUrl).href);
    const posts = srv.log.filter((e) => e.method === 'POST' && e.id === id);
    if (posts.length !== 1 || posts[0].uploadLength !== null) {
      throw new Error(`recording, ${link.label}: ferry's upload was not created once with a deferred length (${posts.length} POSTs, Upload-Length ${posts[0]?.uploadLength})`);
    }
    const patches = srv.log.filter((e) => e.method === 'PATCH' && e.id === id).length;
    const webm = await checkStored(srv, id, want, `recording, ${link.label}, ferry`);

    const base = await call(page, 'baseline', { endpoint: '/files/' });
    if (!base.ok) throw new Error(`recording, ${link.label}: tus-js-client failed: ${base.error}`);
    if (base.size !== want.size) throw new Error(`recording, ${link.label}: tus-js-client saw ${base.size} bytes, the recording is ${want.size}`);
    const baseId = lastSegment(new URL(base.url, pageUrl).href);
    const basePatches = srv.log.filter((e) => e.method === 'PATCH' && e.id === baseId).length;
    await checkStored(srv, baseId, want, `recording, ${link.label}, tus-js-client`);

    return {
      ferry: rec.stopToDone / 1000,
      baseline: (rec.stopToLast + base.ms) / 1000,
      baselineUpload: base.ms / 1000,
      stopToLast: rec.stopToLast / 1000,
      bytes: want.size,
      recordedSeconds: rec.recordedMs / 1000,
      mbitps: (want.size * 8) / 1e6 / (rec.recordedMs / 1000),
      fps: rec.frames / (rec.recordedMs / 1000),
      encodedFps: webm.frames / (rec.recordedMs / 1000),
      encodedFrames: webm.frames,
      // What was left to send at the stop: everything not yet confirmed, whether the recorder
      // had delivered it (buffered by ferry) or still held it (its last piece).
      unconfirmedAtStop: want.size - rec.confirmedAtStop,
      bufferedAtStop: rec.bufferedAtStop,
      confirmedAtStop: rec.confirmedAtStop,
      pieces: rec.pieces,
      patches,
      basePatches,
      warnings: rec.warnings,
      mimeType: rec.mimeType,
    };
  } finally {
    await page.close();
  }
}

/**
 * Runs the group; resolves to { ms, reps, recording, link, links: [{ key, label, runs: [{
 * ferry, baseline (s), baselineUpload, stopToLast, bytes, mbitps, fps, encodedFps, unconfirmedAtStop, ... }] }] }.
 */
export async function runRecording({ browser, tmp, pageRoot, ms, reps, log }) {
  await fsp.copyFile(path.join(ROOT, 'bench', 'recording-page.js'), path.join(pageRoot, 'www', 'recording-page.js'));
  const srv = await startServer({ port: 0, root: pageRoot, dataDir: path.join(tmp, 'recording-store') });
  const proxy = await startFaultProxy({ upstream: srv.url, pages: srv.url });
  proxy.throttle({ bytesPerSec: LINK.rate / 8, delayMs: LINK.delayMs, queueBytes: 640 * 1024, perConnection: false });
  const links = LINKS.map((l) => ({ ...l, runs: [] }));
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const link of links) {
        const pageUrl = link.key === 'loopback' ? srv.url : proxy.url;
        log(`recording ${rep}/${reps} ${link.label}: recording ${(ms + RECORDING.timeslice / 2) / 1000} s`);
        const run = await recordOnce({ browser, srv, link, pageUrl, ms, name: `recording-${link.key}-${rep}` });
        link.runs.push(run);
        log(`recording ${rep}/${reps} ${link.label}: ${(run.bytes / 1e6).toFixed(1)} MB at ${run.mbitps.toFixed(2)} Mbit/s, ${run.fps.toFixed(1)} fps drawn, ${run.encodedFps.toFixed(1)} encoded; `
          + `stop to done: ferry ${run.ferry.toFixed(2)} s (${(run.unconfirmedAtStop / 1e6).toFixed(2)} MB unconfirmed at the stop, ${run.patches} PATCHes), `
          + `tus-js-client after the stop ${run.baseline.toFixed(2)} s; size and SHA-256 ok`);
      }
    }
  } finally {
    await proxy.close();
    await srv.close();
    await fsp.rm(path.join(tmp, 'recording-store'), { recursive: true, force: true });
  }
  return { ms, reps, recording: RECORDING, link: LINK, links };
}

// Browser side of the "recording" benchmark group (bench/recording.mjs copies it next to the
// benchmark page and imports it there). It records an animated canvas with a real MediaRecorder
// at a chosen bitrate and hands the recorder to ferry (`source`) before it starts, so ferry
// uploads while it records; it times recorder.stop() to ferry's start() resolving. The canvas
// and recorder are the browser tests' (tests/support/page/capture.js) with full-frame noise
// (±`amplitude` around mid-grey in blocks of `grain` pixels): every frame costs bytes, as a
// busy screen or a camera would. The capture keeps its own copy of every piece, for the
// byte-exactness check and for the baseline: the same
// recorder output as a File in #file, uploaded after the stop by the benchmark page's
// tus-js-client runner (bench.js, the one bench/clients.mjs uses). It asserts nothing and
// judges nothing.
import { createUpload } from '/dist/index.js';
import { startCapture } from './capture.js';

let last = null; // { file, capture } of the latest recording, for baseline() and digest()

/**
 * Records for `ms` with a timeslice of `timeslice` ms while ferry (default options but
 * `endpoint` and a filename) uploads; resolves once ferry's start() settled, to plain data:
 *   stopToDone    ms from recorder.stop() to start() resolving (the figure)
 *   stopToLast    ms from recorder.stop() to the recorder's 'stop' event (its last piece)
 *   recordedMs    ms from recorder.start() to recorder.stop(); bytes, pieces, mimeType
 *   confirmedAtStop / bufferedAtStop  bytes ferry had confirmed / the recorder had delivered at the stop
 *   frames        canvas redraws while recording (the page's own frame rate, a CPU gauge)
 */
export async function record({ endpoint, ms, timeslice, width, height, fps, grain = 1, amplitude = 127, videoBitsPerSecond, filename }) {
  const capture = startCapture({ width, height, fps, videoBitsPerSecond, noise: { grain, amplitude } });
  const { recorder, mimeType, pieces } = capture;
  if (!mimeType.startsWith('video/webm')) {
    await capture.stop();
    return { ok: false, error: `no video/webm MediaRecorder (${mimeType})` };
  }
  const up = createUpload({ endpoint, source: recorder, metadata: { filename, filetype: mimeType } });
  let confirmed = 0;
  const warnings = [];
  up.on('progress', ({ bytesConfirmed }) => { confirmed = bytesConfirmed; });
  up.on('warning', (w) => warnings.push(w.code));
  const done = up.start().then((result) => ({ ok: true, result, t: performance.now() }), (err) => ({ ok: false, error: `${err?.code ?? err?.name}: ${err?.message}`, t: performance.now() }));
  const framesBefore = capture.frames;
  const tStart = performance.now();
  capture.begin(timeslice);
  await new Promise((r) => setTimeout(r, ms));
  const confirmedAtStop = confirmed;
  const bufferedAtStop = capture.recorded();
  const framesWhile = capture.frames - framesBefore;
  const tStop = performance.now();
  const [, end] = await Promise.all([capture.stop(), done]);
  const tLast = capture.lastPieceAt;
  if (!end.ok) return { ok: false, error: end.error, warnings };
  const file = new File(pieces, filename, { type: mimeType });
  last = { file, capture };
  return {
    ok: true,
    mimeType,
    stopToDone: end.t - tStop,
    stopToLast: tLast - tStop,
    recordedMs: tStop - tStart,
    bytes: file.size,
    pieces: pieces.map((p) => p.size),
    confirmedAtStop,
    bufferedAtStop,
    frames: framesWhile,
    url: end.result.uploadUrl,
    warnings,
  };
}

/** Size and SHA-256 (hex) of the latest recording's output (the concatenated pieces). */
export function digest() {
  return last.capture.digest();
}

/**
 * The baseline: the latest recording's output, put in #file as a File, uploaded by the
 * benchmark page's tus-js-client runner (window.bench.tusjs, default options) to `endpoint`.
 * Resolves to its result ({ ok, ms: start to onSuccess, url, size, ... }).
 */
export async function baseline({ endpoint }) {
  const input = document.getElementById('file');
  const dt = new DataTransfer();
  dt.items.add(last.file);
  input.files = dt.files;
  const run = await window.bench.tusjs({ endpoint });
  last = null;
  return { ...run, progress: undefined, chunks: undefined, longTasks: undefined };
}

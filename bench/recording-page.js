// Browser side of the "recording" benchmark group (bench/recording.mjs copies it next to the
// benchmark page and imports it there). It records an animated canvas with a real MediaRecorder
// at a chosen bitrate and hands the recorder to ferry (`source`) before it starts, so ferry
// uploads while it records; it times recorder.stop() to ferry's start() resolving. The canvas
// is redrawn with full-frame noise (pre-drawn noise tiles, ±`amplitude` around mid-grey in
// blocks of `grain` pixels, shifted at random each frame, under a moving bar and the frame
// number): every frame costs bytes, as a busy screen or a camera would. It keeps its
// own copy of every piece, for the byte-exactness check and for the baseline: the same
// recorder output as a File in #file, uploaded after the stop by the benchmark page's
// tus-js-client runner (bench.js, the one bench/clients.mjs uses). It asserts nothing and
// judges nothing.
import { createUpload } from '/dist/index.js';

const NOISE_TILES = 6;
let last = null; // { file, digest } of the latest recording, for baseline() and digest()

function noiseTiles(width, height, grain, amplitude) {
  const tiles = [];
  for (let n = 0; n < NOISE_TILES; n++) {
    const c = document.createElement('canvas');
    c.width = Math.ceil((width * 2) / grain);
    c.height = Math.ceil((height * 2) / grain);
    const g = c.getContext('2d');
    const img = g.createImageData(c.width, c.height);
    const { data } = img;
    for (let i = 0; i < data.length; i += 4) {
      for (let c = 0; c < 3; c++) data[i + c] = 128 + Math.round((Math.random() * 2 - 1) * amplitude);
      data[i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    tiles.push(c);
  }
  return tiles;
}

/** An animated canvas and its captureStream; `frames` counts redraws, `stop()` ends both. */
function animatedCanvas({ width, height, fps, grain, amplitude }) {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  const tiles = noiseTiles(width, height, grain, amplitude);
  g.imageSmoothingEnabled = false;
  let frames = 0;
  const draw = () => {
    frames++;
    const tile = tiles[frames % NOISE_TILES];
    g.drawImage(tile, -((Math.random() * width) | 0), -((Math.random() * height) | 0), tile.width * grain, tile.height * grain);
    g.fillStyle = `hsl(${(frames * 7) % 360} 70% 50%)`;
    g.fillRect((frames * 9) % width, 0, width / 8, height);
    g.fillStyle = '#fff';
    g.font = '32px sans-serif';
    g.fillText(`frame ${frames}`, 20, 48);
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  return {
    stream,
    get frames() { return frames; },
    stop() {
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      canvas.remove();
    },
  };
}

async function sha256(blob) {
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
}

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
  const mimeType = ['video/webm;codecs=vp8', 'video/webm'].find((t) => MediaRecorder.isTypeSupported(t));
  if (!mimeType) return { ok: false, error: 'no video/webm MediaRecorder' };
  const scene = animatedCanvas({ width, height, fps, grain, amplitude });
  const recorder = new MediaRecorder(scene.stream, { mimeType, videoBitsPerSecond });
  const pieces = [];
  let buffered = 0;
  recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) { pieces.push(e.data); buffered += e.data.size; } });
  const stopped = new Promise((resolve) => recorder.addEventListener('stop', () => resolve(performance.now()), { once: true }));
  const up = createUpload({ endpoint, source: recorder, metadata: { filename, filetype: mimeType } });
  let confirmed = 0;
  const warnings = [];
  up.on('progress', ({ bytesConfirmed }) => { confirmed = bytesConfirmed; });
  up.on('warning', (w) => warnings.push(w.code));
  const done = up.start().then((result) => ({ ok: true, result, t: performance.now() }), (err) => ({ ok: false, error: `${err?.code ?? err?.name}: ${err?.message}`, t: performance.now() }));
  const framesBefore = scene.frames;
  const tStart = performance.now();
  recorder.start(timeslice);
  await new Promise((r) => setTimeout(r, ms));
  const confirmedAtStop = confirmed;
  const bufferedAtStop = buffered;
  const framesWhile = scene.frames - framesBefore;
  const tStop = performance.now();
  recorder.stop();
  const [tLast, end] = await Promise.all([stopped, done]);
  scene.stop();
  if (!end.ok) return { ok: false, error: end.error, warnings };
  const file = new File(pieces, filename, { type: mimeType });
  last = { file, digest: null };
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
export async function digest() {
  last.digest ??= { size: last.file.size, sha256: await sha256(last.file) };
  return last.digest;
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

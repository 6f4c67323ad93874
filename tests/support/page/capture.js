// A real recording for the browser tests: a MediaRecorder on the captureStream() of a canvas
// that is redrawn with moving shapes and noise (so every frame costs bytes), the way an app
// records a screen or a camera. It keeps its own copy of every piece the recorder delivers, so
// a test can compare the server's bytes with the concatenated recorder output (digest()).
// It uploads nothing and asserts nothing; recorder.js hands the MediaRecorder to createUpload.
// `startPush` is the same for `source: 'push'` (data from neither a recorder nor a stream):
// random pieces appended on a timer, in every engine.

/** What this engine can record, or why not: { ok, mimeType, why }. */
export function recordingSupport() {
  const canvas = document.createElement('canvas');
  if (typeof MediaRecorder !== 'function') return { ok: false, why: 'no MediaRecorder' };
  if (typeof canvas.captureStream !== 'function') return { ok: false, why: 'no HTMLCanvasElement.captureStream' };
  const mimeType = ['video/webm;codecs=vp8', 'video/webm', 'video/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
  if (!mimeType) return { ok: false, why: 'MediaRecorder supports none of video/webm and video/mp4' };
  return { ok: true, mimeType };
}

const NOISE_TILES = 6;

/** Pre-drawn tiles of noise, ±`amplitude` around mid-grey in blocks of `grain` pixels. */
function noiseTiles(width, height, grain, amplitude) {
  const tiles = [];
  for (let n = 0; n < NOISE_TILES; n++) {
    const tile = document.createElement('canvas');
    tile.width = Math.ceil((width * 2) / grain);
    tile.height = Math.ceil((height * 2) / grain);
    const g = tile.getContext('2d');
    const img = g.createImageData(tile.width, tile.height);
    for (let i = 0; i < img.data.length; i += 4) {
      for (let c = 0; c < 3; c++) img.data[i + c] = 128 + Math.round((Math.random() * 2 - 1) * amplitude);
      img.data[i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    tiles.push(tile);
  }
  return tiles;
}

/**
 * A recorder on an animated canvas; `begin(timeslice)` starts it, `stop()` resolves after its
 * last piece. By default a noise strip moves over a coloured frame (a small, cheap recording);
 * `noise: { grain, amplitude }` covers every frame with noise instead, so that the encoder
 * writes about `videoBitsPerSecond` (the benchmark's 8 Mbit/s take).
 */
export function startCapture({ width = 320, height = 240, fps = 30, videoBitsPerSecond = 2_000_000, noise = null } = {}) {
  const support = recordingSupport();
  if (!support.ok) throw new Error(`cannot record here: ${support.why}`);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  const tiles = noise && noiseTiles(width, height, noise.grain, noise.amplitude);
  g.imageSmoothingEnabled = false;
  let frame = 0;
  const draw = () => {
    frame++;
    if (tiles) {
      const tile = tiles[frame % NOISE_TILES];
      g.drawImage(tile, -((Math.random() * width) | 0), -((Math.random() * height) | 0), tile.width * noise.grain, tile.height * noise.grain);
      g.fillStyle = `hsl(${(frame * 7) % 360} 70% 50%)`;
      g.fillRect((frame * 9) % width, 0, width / 8, height);
    } else {
      g.fillStyle = `hsl(${(frame * 7) % 360} 70% 50%)`;
      g.fillRect(0, 0, width, height);
      const strip = g.createImageData(width, 40);
      for (let i = 0; i < strip.data.length; i++) strip.data[i] = (Math.random() * 256) | 0;
      g.putImageData(strip, 0, (frame * 3) % (height - 40));
    }
    g.fillStyle = '#fff';
    g.fillText(`frame ${frame}`, 10, 20);
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  const recorder = new MediaRecorder(stream, { mimeType: support.mimeType, videoBitsPerSecond });
  const pieces = [];
  recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) pieces.push(e.data); });
  let lastPieceAt = null;
  const stopped = new Promise((resolve) => recorder.addEventListener('stop', () => { lastPieceAt = performance.now(); resolve(); }, { once: true }));
  return {
    recorder,
    mimeType: support.mimeType,
    pieces,
    /** Canvas redraws so far (the page's own frame rate, a CPU gauge). */
    get frames() { return frame; },
    /** `performance.now()` of the recorder's `stop` event (its last piece), once it came. */
    get lastPieceAt() { return lastPieceAt; },
    begin(timeslice) { recorder.start(timeslice); },
    recorded: () => pieces.reduce((n, p) => n + p.size, 0),
    async stop() {
      if (recorder.state !== 'inactive') recorder.stop();
      await stopped;
      clearInterval(timer);
      for (const track of stream.getTracks()) track.stop();
      canvas.remove();
    },
    /** Size and SHA-256 (hex) of the concatenated recorder output. */
    digest: () => digest(pieces),
  };
}

async function digest(pieces) {
  const bytes = await new Blob(pieces).arrayBuffer();
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return { size: bytes.byteLength, sha256: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join(''), pieces: pieces.length };
}

/** Random pieces of `pieceSize` bytes for an upload with `source: 'push'`; `begin(timeslice, up)` appends one per timeslice. */
export function startPush(pieceSize) {
  const pieces = [];
  let timer = null;
  let up = null;
  const random = () => {
    const bytes = new Uint8Array(pieceSize);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    return new Blob([bytes]);
  };
  return {
    recorder: 'push',
    mimeType: 'application/octet-stream',
    pieces,
    begin(timeslice, upload) {
      up = upload;
      timer = setInterval(() => { const p = random(); pieces.push(p); up.append(p).catch(() => {}); }, timeslice);
    },
    recorded: () => pieces.reduce((n, p) => n + p.size, 0),
    /** Like a recorder's pause: no more pieces. */
    pause() { clearInterval(timer); },
    async stop() {
      clearInterval(timer);
      await up.end();
    },
    digest: () => digest(pieces),
  };
}

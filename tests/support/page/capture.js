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

/** A recorder on an animated canvas; `begin(timeslice)` starts it, `stop()` resolves after its last piece. */
export function startCapture({ width = 320, height = 240, fps = 30 } = {}) {
  const support = recordingSupport();
  if (!support.ok) throw new Error(`cannot record here: ${support.why}`);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  document.body.append(canvas);
  const g = canvas.getContext('2d');
  let frame = 0;
  const draw = () => {
    frame++;
    g.fillStyle = `hsl(${(frame * 7) % 360} 70% 50%)`;
    g.fillRect(0, 0, width, height);
    const noise = g.createImageData(width, 40);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = (Math.random() * 256) | 0;
    g.putImageData(noise, 0, (frame * 3) % (height - 40));
    g.fillStyle = '#fff';
    g.fillText(`frame ${frame}`, 10, 20);
  };
  draw();
  const timer = setInterval(draw, 1000 / fps);
  const stream = canvas.captureStream(fps);
  const recorder = new MediaRecorder(stream, { mimeType: support.mimeType, videoBitsPerSecond: 2_000_000 });
  const pieces = [];
  recorder.addEventListener('dataavailable', (e) => { if (e.data.size > 0) pieces.push(e.data); });
  const stopped = new Promise((resolve) => recorder.addEventListener('stop', resolve, { once: true }));
  return {
    recorder,
    mimeType: support.mimeType,
    pieces,
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

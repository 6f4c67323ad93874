// The demo page: pick or drop files, watch each upload's server-confirmed progress, speed
// and remaining time, see it reconnect or wait offline, pause, resume and cancel; after a
// reload, continue interrupted uploads from the stored sessions. Record uploads a recording
// of an animated canvas while it is being made. It uses only the public
// ferry-upload API, exactly as an app would.
import { createUpload, forgetUpload, listResumableUploads, resumeAll } from '/dist/index.js';
import { createUpload as createRecordingUpload } from '/dist/recording.js';

const endpoint = '/files/';
const list = document.getElementById('uploads');
const template = document.getElementById('row');
const chunk = document.getElementById('chunk');

function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function formatSeconds(s) {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/**
 * Shows `upload` in a new row called `name` and wires its buttons. `describe(progress)` is the
 * row's bytes text. Returns the row's query function and `start()`.
 */
function track(upload, name, bytes, describe) {
  const row = template.content.firstElementChild.cloneNode(true);
  const $ = (sel) => row.querySelector(sel);
  $('.name').textContent = name;
  $('.bytes').textContent = bytes;
  list.prepend(row);

  let countdown = null;
  const badge = $('.badge');
  const showState = (text, state) => { badge.textContent = text; badge.dataset.state = state; };

  upload.on('state', (state) => {
    // ferry emits 'reconnecting' (with the delay) just before the state 'reconnecting': keep
    // the countdown that event started instead of overwriting it with the bare state name.
    if (state !== 'reconnecting' || countdown === null) {
      clearInterval(countdown);
      countdown = null;
      showState(state, state);
    }
    const done = state === 'completed' || state === 'aborted';
    $('.pause').hidden = state === 'paused' || state === 'failed' || done;
    $('.resume').hidden = !(state === 'paused' || state === 'failed' || state === 'reconnecting');
    $('.resume').textContent = state === 'reconnecting' ? 'Retry now' : 'Resume';
    $('.cancel').hidden = done;
    // Speed and time left describe bytes moving: shown only while uploading (progress fills them).
    if (state !== 'uploading') { $('.speed').textContent = ''; $('.eta').textContent = ''; }
    if (state === 'offline') $('.eta').textContent = 'waiting for the network';
  });
  upload.on('reconnecting', ({ attempt, retryAt, reason }) => {
    clearInterval(countdown);
    const tick = () => {
      const left = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
      showState(`reconnecting in ${left} s (attempt ${attempt})`, 'reconnecting');
    };
    tick();
    countdown = setInterval(tick, 250);
    $('.error').textContent = `${reason.code}: ${reason.message}`;
  });
  upload.on('progress', (progress) => {
    const { bytesConfirmed, bytesTotal, percent, bytesPerSecond, etaSeconds } = progress;
    if (percent !== null) {
      $('.bar').setAttribute('aria-valuenow', String(Math.floor(percent)));
      $('.fill').style.width = `${percent}%`;
    }
    $('.bytes').textContent = describe(progress);
    if (upload.state === 'uploading') {
      $('.speed').textContent = bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '';
      $('.eta').textContent = etaSeconds !== null && bytesConfirmed < bytesTotal ? `${formatSeconds(etaSeconds)} left` : '';
      $('.error').textContent = '';
    }
  });
  upload.on('restarted', ({ reason }) => { $('.error').textContent = `started over: ${reason.message}`; });
  upload.on('warning', ({ message }) => { $('.error').textContent = message; });
  upload.on('error', (err) => { $('.error').textContent = `${err.code}: ${err.message}`; });

  $('.pause').addEventListener('click', () => upload.pause());
  $('.resume').addEventListener('click', () => { $('.error').textContent = ''; start(); });
  $('.cancel').addEventListener('click', () => upload.abort({ terminate: true }).then(refreshSessions));

  function start() {
    upload.start().then(
      ({ uploadUrl }) => { row.dataset.url = uploadUrl; $('.error').textContent = ''; refreshSessions(); },
      () => { /* shown by the 'error' listener and the state badge */ },
    );
  }
  return { $, start };
}

const chunkSize = () => (chunk.value === 'auto' ? 'auto' : Number(chunk.value));

function addFile(file) {
  const upload = createUpload({ endpoint, file, chunkSize: chunkSize() });
  const describe = ({ bytesConfirmed, bytesTotal }) => `${formatBytes(bytesConfirmed)} of ${formatBytes(bytesTotal)} confirmed`;
  track(upload, file.name, `0 B of ${formatBytes(file.size)}`, describe).start();
}

// ---- recording -----------------------------------------------------------------------------
// Record records an animated canvas (captureStream) with a MediaRecorder and uploads the
// recording while it is being made: createUpload({ source: recorder }) before recorder.start().
// Stop stops the recorder; ferry sends the last piece with the length and the upload completes.

const recordButton = document.getElementById('record');
const support = recordingSupport();
let takes = 0;
if (support.ok) {
  recordButton.addEventListener('click', record);
} else {
  recordButton.disabled = true;
  recordButton.title = `This browser cannot record: ${support.why}`;
}

/** Whether this browser can record a canvas: { ok, mimeType } or { ok: false, why }. */
function recordingSupport() {
  if (typeof MediaRecorder !== 'function') return { ok: false, why: 'no MediaRecorder' };
  if (typeof HTMLCanvasElement.prototype.captureStream !== 'function') return { ok: false, why: 'no HTMLCanvasElement.captureStream' };
  const mimeType = ['video/webm;codecs=vp8', 'video/webm', 'video/mp4'].find((t) => MediaRecorder.isTypeSupported(t));
  if (!mimeType) return { ok: false, why: 'MediaRecorder supports none of video/webm and video/mp4' };
  return { ok: true, mimeType };
}

/** A canvas redrawn 30 times a second (moving shapes, a clock and a band of noise). */
function animatedCanvas(width = 480, height = 270) {
  const canvas = document.createElement('canvas');
  canvas.className = 'preview';
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext('2d');
  const started = performance.now();
  let frame = 0;
  const draw = () => {
    frame++;
    const t = (performance.now() - started) / 1000;
    g.fillStyle = `hsl(${(frame * 3) % 360} 60% 45%)`;
    g.fillRect(0, 0, width, height);
    const noise = g.createImageData(width, 48);
    for (let i = 0; i < noise.data.length; i++) noise.data[i] = (Math.random() * 256) | 0;
    g.putImageData(noise, 0, height - 48);
    g.fillStyle = '#fff';
    g.beginPath();
    g.arc(width / 2 + Math.cos(t * 2) * width / 3, height / 2 + Math.sin(t * 3) * height / 4, 24, 0, 2 * Math.PI);
    g.fill();
    g.font = '20px system-ui, sans-serif';
    g.fillText(`${t.toFixed(1)} s`, 12, 28);
  };
  draw();
  const timer = setInterval(draw, 1000 / 30);
  return { canvas, stop: () => clearInterval(timer) };
}

function record() {
  const { mimeType } = support;
  // take-1, take-2, ...: a name no row and no listed session has (one left by an earlier page).
  const shown = new Set([...document.querySelectorAll('.name')].map((n) => n.textContent));
  let name;
  do name = `take-${++takes}.${mimeType.startsWith('video/mp4') ? 'mp4' : 'webm'}`; while (shown.has(name));
  const picture = animatedCanvas();
  const stream = picture.canvas.captureStream(30);
  const recorder = new MediaRecorder(stream, { mimeType, videoBitsPerSecond: 4_000_000 });
  const upload = createRecordingUpload({ endpoint, source: recorder, chunkSize: chunkSize(), metadata: { filename: name } });
  let recorded = 0;
  const describe = ({ bytesConfirmed }) => `${formatBytes(recorded)} recorded, ${formatBytes(bytesConfirmed)} uploaded`;
  const { $, start } = track(upload, name, describe({ bytesConfirmed: 0 }), describe);
  $('.head').after(picture.canvas);
  let confirmed = 0;
  upload.on('progress', ({ bytesConfirmed }) => { confirmed = bytesConfirmed; });
  recorder.addEventListener('dataavailable', (e) => {
    recorded += e.data.size;
    $('.bytes').textContent = describe({ bytesConfirmed: confirmed });
  });
  recorder.addEventListener('stop', () => {
    picture.stop();
    for (const t of stream.getTracks()) t.stop();
    $('.stop').hidden = true;
  });
  $('.stop').hidden = false;
  $('.stop').addEventListener('click', () => recorder.stop());
  upload.on('state', (state) => {
    // Cancelling the upload ends the recording too.
    if (state === 'aborted' && recorder.state !== 'inactive') recorder.stop();
  });
  start();
  recorder.start(1000);
}

// ---- continue your uploads ---------------------------------------------------------------

const sessionsBox = document.getElementById('resumable');
const sessionList = document.getElementById('sessions');
const sessionTemplate = document.getElementById('session');

async function refreshSessions() {
  const running = new Set([...list.querySelectorAll('.upload .name')].map((n) => n.textContent));
  // A recording has no file name: its metadata has the one Record gave it.
  const nameOf = (s) => s.name || s.metadata.filename || 'recording';
  const sessions = (await listResumableUploads()).filter((s) => !running.has(nameOf(s)));
  sessionList.replaceChildren();
  for (const s of sessions) {
    const item = sessionTemplate.content.firstElementChild.cloneNode(true);
    item.querySelector('.name').textContent = nameOf(s);
    item.querySelector('.forget').addEventListener('click', () => forgetUpload(s.key).then(refreshSessions));
    sessionList.append(item);
    if (s.kind === 'recording') {
      // A recording needs no file: resumeAll() finishes it from what this browser buffered.
      item.querySelector('.done').textContent = `recording · ${formatBytes(s.bytesBuffered ?? 0)} recorded, ${formatBytes(s.bytesConfirmed)} uploaded · ${new Date(s.updatedAt).toLocaleString()}`;
      const finish = document.createElement('button');
      finish.type = 'button';
      finish.className = 'finish';
      finish.textContent = 'Finish upload';
      finish.addEventListener('click', finishRecordings);
      item.querySelector('.pick').replaceWith(finish);
      continue;
    }
    const pct = s.size === 0 ? 100 : Math.floor((100 * s.bytesConfirmed) / s.size);
    item.querySelector('.done').textContent = `${pct}% of ${formatBytes(s.size)} · ${new Date(s.updatedAt).toLocaleString()}`;
    const input = item.querySelector('input');
    input.addEventListener('change', () => {
      const file = input.files[0];
      if (file) { addFile(file); refreshSessions(); }
    });
  }
  sessionsBox.hidden = sessions.length === 0;
}
refreshSessions();

/** Finishes the recordings listed under "Continue your uploads", each in a row of its own. */
async function finishRecordings() {
  const waiting = [...sessionList.querySelectorAll('.session')].filter((item) => item.querySelector('.finish'));
  const names = waiting.map((item) => item.querySelector('.name').textContent);
  const { recordings } = await resumeAll();
  recordings.forEach((upload, i) => {
    const name = names[i] ?? 'recording';
    const describe = ({ bytesConfirmed }) => `${formatBytes(upload.bytesRecorded)} recorded, ${formatBytes(bytesConfirmed)} uploaded`;
    track(upload, name, describe({ bytesConfirmed: upload.bytesConfirmed }), describe).start();
  });
  refreshSessions();
}

// ---- offline simulation --------------------------------------------------------------------
// ferry listens to the browser's online/offline events; this button fires them, so uploads
// finish the request in flight, then wait in state `offline` until "online" comes.
const offline = document.getElementById('offline');
offline.addEventListener('click', () => {
  const goOffline = offline.getAttribute('aria-pressed') !== 'true';
  offline.setAttribute('aria-pressed', String(goOffline));
  offline.textContent = goOffline ? 'Back online' : 'Simulate offline';
  window.dispatchEvent(new Event(goOffline ? 'offline' : 'online'));
});

// ---- picking and dropping files -------------------------------------------------------------

document.getElementById('file').addEventListener('change', (e) => {
  for (const file of e.target.files) addFile(file);
  e.target.value = '';
  refreshSessions();
});

const drop = document.getElementById('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  for (const file of e.dataTransfer.files) addFile(file);
  refreshSessions();
});

// The demo page: pick or drop files, watch each upload's server-confirmed progress, speed
// and remaining time, see it reconnect or wait offline, pause, resume and cancel; after a
// reload, continue interrupted uploads from the stored sessions. It uses only the public
// ferry-upload API, exactly as an app would.
import { createUpload, forgetUpload, listResumableUploads } from '/dist/index.js';

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

function addFile(file) {
  const row = template.content.firstElementChild.cloneNode(true);
  const $ = (sel) => row.querySelector(sel);
  $('.name').textContent = file.name;
  $('.bytes').textContent = `0 B of ${formatBytes(file.size)}`;
  list.prepend(row);

  const chunkSize = chunk.value === 'auto' ? 'auto' : Number(chunk.value);
  const upload = createUpload({ endpoint, file, chunkSize });
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
  upload.on('progress', ({ bytesConfirmed, bytesTotal, percent, bytesPerSecond, etaSeconds }) => {
    $('.bar').setAttribute('aria-valuenow', String(Math.floor(percent)));
    $('.fill').style.width = `${percent}%`;
    $('.bytes').textContent = `${formatBytes(bytesConfirmed)} of ${formatBytes(bytesTotal)} confirmed`;
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
  start();
}

// ---- continue your uploads ---------------------------------------------------------------

const sessionsBox = document.getElementById('resumable');
const sessionList = document.getElementById('sessions');
const sessionTemplate = document.getElementById('session');

async function refreshSessions() {
  const running = new Set([...list.querySelectorAll('.upload .name')].map((n) => n.textContent));
  const sessions = (await listResumableUploads()).filter((s) => !running.has(s.name));
  sessionList.replaceChildren();
  for (const s of sessions) {
    const item = sessionTemplate.content.firstElementChild.cloneNode(true);
    item.querySelector('.name').textContent = s.name;
    const pct = s.size === 0 ? 100 : Math.floor((100 * s.bytesConfirmed) / s.size);
    item.querySelector('.done').textContent = `${pct}% of ${formatBytes(s.size)} · ${new Date(s.updatedAt).toLocaleString()}`;
    const input = item.querySelector('input');
    input.addEventListener('change', () => {
      const file = input.files[0];
      if (file) { addFile(file); refreshSessions(); }
    });
    item.querySelector('.forget').addEventListener('click', () => forgetUpload(s.key).then(refreshSessions));
    sessionList.append(item);
  }
  sessionsBox.hidden = sessions.length === 0;
}
refreshSessions();

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

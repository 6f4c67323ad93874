// The demo page: pick or drop files, watch each upload's server-confirmed progress, pause,
// resume and cancel. It uses only the public ferry-upload API, exactly as an app would.
import { createUpload } from '/dist/index.js';

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

function addFile(file) {
  const row = template.content.firstElementChild.cloneNode(true);
  const $ = (sel) => row.querySelector(sel);
  $('.name').textContent = file.name;
  $('.bytes').textContent = `0 B of ${formatBytes(file.size)}`;
  list.prepend(row);

  const upload = createUpload({ endpoint, file, chunkSize: Number(chunk.value) });
  let last = { t: performance.now(), bytes: 0 };

  upload.on('state', (state) => {
    const badge = $('.badge');
    badge.textContent = state;
    badge.dataset.state = state;
    const done = state === 'completed' || state === 'aborted';
    $('.pause').hidden = state === 'paused' || state === 'failed' || done;
    $('.resume').hidden = !(state === 'paused' || state === 'failed');
    $('.cancel').hidden = done;
  });
  upload.on('progress', ({ bytesConfirmed, bytesTotal, percent }) => {
    const bar = $('.bar');
    bar.setAttribute('aria-valuenow', String(Math.floor(percent)));
    $('.fill').style.width = `${percent}%`;
    $('.bytes').textContent = `${formatBytes(bytesConfirmed)} of ${formatBytes(bytesTotal)} confirmed`;
    const now = performance.now();
    const dt = (now - last.t) / 1000;
    if (dt > 0.25) {
      $('.speed').textContent = `${formatBytes((bytesConfirmed - last.bytes) / dt)}/s`;
      last = { t: now, bytes: bytesConfirmed };
    }
  });
  upload.on('error', (err) => { $('.error').textContent = `${err.code}: ${err.message}`; });

  $('.pause').addEventListener('click', () => upload.pause());
  $('.resume').addEventListener('click', () => { $('.error').textContent = ''; start(); });
  $('.cancel').addEventListener('click', () => upload.abort({ terminate: true }));

  function start() {
    upload.start().then(
      ({ uploadUrl }) => { $('.speed').textContent = ''; $('.error').textContent = ''; row.dataset.url = uploadUrl; },
      () => { /* shown by the 'error' listener and the state badge */ },
    );
  }
  start();
}

document.getElementById('file').addEventListener('change', (e) => {
  for (const file of e.target.files) addFile(file);
  e.target.value = '';
});

const drop = document.getElementById('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  for (const file of e.dataTransfer.files) addFile(file);
});

// The demo page (www/) as the demo tests see it through a page-driver page: what each row shows
// (and every distinct value it showed since the page was ready), waiting for a row, clicking in
// it, and the page's controls. Recordings: recordedPieces() keeps, in the page, a copy of every
// piece each MediaRecorder delivers (a listener added when it starts, next to ferry's), and
// recordedDigest() hashes their concatenation, to compare with the server's bytes;
// recordingAmounts() reads a recording row's "N recorded, M uploaded". Nothing here asserts.
import { sleep } from './util.mjs';

const TIMEOUT = 60_000;

/**
 * Records, per row (by file name), every distinct value the page showed: badge state and
 * text, aria-valuenow, bytes, speed, ETA and error text. Runs in the page.
 */
function installWatch() {
  const seen = (window.__seen = {});
  const add = (arr, v) => { if (v !== '' && arr.at(-1) !== v) arr.push(v); };
  const snap = () => {
    for (const row of document.querySelectorAll('#uploads .upload')) {
      const name = row.querySelector('.name').textContent;
      const s = (seen[name] ??= { states: [], badges: [], values: [], bytes: [], speeds: [], etas: [], errors: [] });
      const badge = row.querySelector('.badge');
      add(s.states, badge.dataset.state);
      add(s.badges, badge.textContent);
      add(s.values, Number(row.querySelector('.bar').getAttribute('aria-valuenow')));
      add(s.bytes, row.querySelector('.bytes').textContent);
      add(s.speeds, row.querySelector('.speed').textContent);
      add(s.etas, row.querySelector('.eta').textContent);
      add(s.errors, row.querySelector('.error').textContent);
    }
  };
  new MutationObserver(snap).observe(document.getElementById('uploads'), {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
  snap();
}

export const LOADED = () => document.readyState === 'complete' && document.getElementById('file');

/** The page lists stored sessions at load, which loads the engine: waits for that too. */
export async function ready(page) {
  await page.waitFor(LOADED, { polling: 50, timeout: 20_000 });
  await page.evaluate(async () => { await (await import('/dist/index.js')).listResumableUploads(); });
  await page.evaluate(installWatch);
  return page;
}

export const texts = (page, selector) => page.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.textContent), selector);

/** What row `name` shows now, or null. */
export function rowInfo(page, name) {
  return page.evaluate((n) => {
    const row = [...document.querySelectorAll('#uploads .upload')].find((r) => r.querySelector('.name').textContent === n);
    if (!row) return null;
    const $ = (s) => row.querySelector(s);
    return {
      state: $('.badge').dataset.state,
      badge: $('.badge').textContent,
      value: Number($('.bar').getAttribute('aria-valuenow')),
      fill: $('.fill').style.width,
      bytes: $('.bytes').textContent,
      speed: $('.speed').textContent,
      eta: $('.eta').textContent,
      error: $('.error').textContent,
      url: row.dataset.url ?? null,
      visible: ['.stop', '.pause', '.resume', '.cancel'].filter((s) => !$(s).hidden).map((s) => s.slice(1)),
      seen: window.__seen?.[n] ?? null,
    };
  }, name);
}

/** A row's upload is over: failed, or completed with its URL (start() resolves after the badge
 * shows `completed`, once the session record is written). */
export const ended = (r) => (r.state === 'completed' && Boolean(r.url)) || r.state === 'failed';

/** Waits until row `name` satisfies `cond` (a function of rowInfo, run in Node). */
export async function waitRow(page, name, cond, what, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const info = await rowInfo(page, name);
    if (info && cond(info)) return info;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${name}: ${what}; the row shows ${JSON.stringify(info)}; page errors: ${page.errors.join('; ')}`);
    }
    await sleep(40);
  }
}

/** Clicks (real input events) the element `sel` inside row `name`. */
export const clickIn = (page, name, sel) => page.click((n, s) => [...document.querySelectorAll('#uploads .upload')]
  .find((r) => r.querySelector('.name').textContent === n)?.querySelector(s) ?? null, name, sel);

/** Sets the page's chunk-size select (as a user would pick an option). */
export const chooseChunk = (page, value) => page.select('#chunk', String(value));

/** Picks files with the page's file input. */
export const pick = (page, ...sources) => page.setFiles('#file', sources.map((s) => s.path));

/** The stored sessions, as the public API lists them in this page. */
export const listSessions = (page) => page.evaluate(async () => (await import('/dist/index.js')).listResumableUploads());

/** From now on, keeps in the page a copy of every piece any MediaRecorder delivers. */
export const recordedPieces = (page) => page.evaluate(() => {
  const pieces = (window.__recordedPieces = []);
  const recorders = (window.__recorders = []);
  const start = MediaRecorder.prototype.start;
  MediaRecorder.prototype.start = function (...args) {
    recorders.push(this);
    this.addEventListener('dataavailable', (e) => { if (e.data.size > 0) pieces.push(e.data); });
    return start.apply(this, args);
  };
});

/**
 * Size, piece count and SHA-256 (hex) of the concatenated pieces recordedPieces() kept; with
 * `pause`, first pauses every recorder (no more pieces) and gives the page half a second to
 * store the last one.
 */
export const recordedDigest = (page, { pause = false } = {}) => page.evaluate(async (p) => {
  if (p) {
    for (const r of window.__recorders) if (r.state === 'recording') r.pause();
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pieces = window.__recordedPieces;
  const bytes = await new Blob(pieces).arrayBuffer();
  const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return { size: bytes.byteLength, pieces: pieces.length, sha256: Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('') };
}, pause);

/** Bytes as the page shows them (www/app.js formatBytes). */
export function formatBytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

const RECORDING = /^(\d+(?:\.\d)?) (B|KiB|MiB) recorded, (\d+(?:\.\d)?) (B|KiB|MiB) uploaded$/;

/** A recording row's "N recorded, M uploaded" as { recorded, uploaded } bytes, or null. */
export function recordingAmounts(text) {
  const m = RECORDING.exec(text);
  const bytes = (n, unit) => Number(n) * { B: 1, KiB: 1024, MiB: 1024 * 1024 }[unit];
  return m && { recorded: bytes(m[1], m[2]), uploaded: bytes(m[3], m[4]) };
}

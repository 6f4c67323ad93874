// Shared machinery of the fault-injection tier (tests/e2e/faults.test.mjs, scripts/chaos.mjs):
// launch headless Chromium or Firefox with puppeteer-core, write a random source file, run the
// real TUS server (scripts/serve.mjs) in a child process that can be killed and restarted by
// PID, open the e2e fixture page THROUGH a fault proxy, start a ferry upload of a file picked
// with <input type=file> while recording what the page saw (states, progress, reconnecting
// events, header calls, online/offline events), toggle the browser's offline mode, and check a
// finished upload (stored SHA-256, POSTs that reached the server, PATCH overhead, progress
// order, states). Checks return a list of problems instead of throwing, so chaos runs can
// count them. It injects no faults itself (tests/support/fault-proxy.mjs does) and does not
// build the package (node scripts/build.mjs does).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVE = path.join(ROOT, 'scripts', 'serve.mjs');

export const MiB = 1024 * 1024;


export { launchBrowser } from '../../scripts/browsers.mjs';

/** Writes `size` random bytes to `file`; resolves to { path, size, sha256 }. */
export async function writeSourceFile(file, size) {
  const hash = crypto.createHash('sha256');
  const out = await fsp.open(file, 'w');
  try {
    const block = Buffer.allocUnsafe(8 * MiB);
    for (let left = size; left > 0;) {
      const n = Math.min(left, block.length);
      crypto.randomFillSync(block, 0, n);
      hash.update(block.subarray(0, n));
      await out.write(block, 0, n);
      left -= n;
    }
  } finally {
    await out.close();
  }
  return { path: file, size, sha256: hash.digest('hex') };
}

export async function sha256File(file) {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk);
  return hash.digest('hex');
}

export function uploadId(url) {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop());
}

// ---- the TUS server as a child process -------------------------------------------------

/**
 * Runs `node scripts/serve.mjs --port P --data DIR` and resolves once it prints its URL.
 * Returns { pid, port, url, exited (promise), kill(signal) }. Stop it with kill(); nothing else
 * is ever signalled.
 */
export async function startServerProcess({ dataDir, port = 0 }) {
  const child = spawn(process.execPath, [SERVE, '--port', String(port), '--data', dataDir], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('http://'));
      if (line) { child.stdout.off('data', onData); resolve(line.trim()); }
    };
    child.stdout.on('data', onData);
    exited.then(({ code, signal }) => reject(new Error(`serve.mjs exited (${code ?? signal}) before listening: ${stderr}`)));
  });
  child.stdout.resume();
  return {
    pid: child.pid,
    url,
    port: Number(new URL(url).port),
    exited,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, signal);
      await exited;
    },
  };
}

// ---- the page ---------------------------------------------------------------------------

/** Opens the e2e fixture page (its <input id=file>) through `proxy`. */
export async function openPage(browser, proxy) {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  await page.goto(`${proxy.url}test/`);
  await page.waitForSelector('#file');
  return page;
}

/**
 * Browser side: starts an upload of the picked file with the built package and records into
 * window.__fault what the page saw. Returns at once; the upload runs on.
 */
async function pageStartUpload(opts) {
  const { createUpload, FerryError } = await import('/dist/index.js');
  const file = document.getElementById('file').files[0];
  if (!file) throw new Error('no file picked');
  const t0 = performance.now();
  const now = () => Math.round(performance.now() - t0);
  const ser = (e) => {
    if (e === null || e === undefined) return e;
    if (typeof e !== 'object') return String(e);
    return {
      ferry: e instanceof FerryError, name: e.name, kind: e.kind, code: e.code, status: e.status,
      message: String(e.message ?? ''),
    };
  };
  const rec = {
    size: file.size, states: [], progress: [], reconnecting: [], headerCalls: [], net: [], errors: [],
    restarted: [], created: [], done: false, ok: null, result: null, error: null, ms: null,
  };
  window.__fault = rec;
  addEventListener('online', () => rec.net.push({ type: 'online', t: now() }));
  addEventListener('offline', () => rec.net.push({ type: 'offline', t: now() }));
  const options = {
    endpoint: opts.endpoint, file, chunkSize: opts.chunkSize, retry: opts.retry,
    stallTimeout: opts.stallTimeout, progressInterval: opts.progressInterval, ...opts.extra,
  };
  for (const k of Object.keys(options)) if (options[k] === undefined) delete options[k];
  if (opts.auth) {
    let token = 'stale';
    let refreshes = 0;
    options.headers = (ctx) => {
      if (ctx.refused === true) token = `fresh-${++refreshes}`;
      rec.headerCalls.push({ method: ctx.method, refused: ctx.refused, keys: Object.keys(ctx), t: now() });
      return { Authorization: `Bearer ${token}` };
    };
  }
  const up = createUpload(options);
  up.on('state', (s) => rec.states.push({ s, t: now() }));
  up.on('progress', (p) => rec.progress.push({ b: p.bytesConfirmed, total: p.bytesTotal, t: now() }));
  up.on('reconnecting', (r) => rec.reconnecting.push({
    attempt: r?.attempt, retryIn: r?.retryIn, reason: ser(r?.reason), t: now(),
  }));
  up.on('error', (e) => rec.errors.push({ ...ser(e), t: now() }));
  up.on('restarted', (r) => rec.restarted.push({ reason: ser(r?.reason), t: now() }));
  up.on('created', (c) => rec.created.push({ url: c.url, t: now() }));
  // With opts.startAgain = n, a failed start() is called again (up to n times, 300 ms later),
  // as an app's "retry" button would; each rejection is kept in rec.failures.
  let again = opts.startAgain ?? 0;
  rec.failures = [];
  const go = () => up.start().then(
    (result) => { rec.ok = true; rec.result = result; rec.ms = now(); rec.done = true; },
    (err) => {
      if (again-- > 0) {
        rec.failures.push({ ...ser(err), t: now() });
        setTimeout(go, 300);
        return;
      }
      rec.ok = false; rec.error = ser(err); rec.ms = now(); rec.done = true;
    },
  );
  go();
  return true;
}

/** Picks `file` in the page and starts the upload; returns { wait(timeoutMs), snapshot() }. */
export async function startUpload(page, file, options) {
  const input = await page.$('#file');
  await input.uploadFile(file);
  await page.evaluate(pageStartUpload, options);
  return {
    snapshot: () => page.evaluate(() => window.__fault),
    async wait(timeoutMs = 60_000) {
      try {
        await page.waitForFunction(() => window.__fault?.done === true, { timeout: timeoutMs, polling: 100 });
      } catch (err) {
        const rec = await page.evaluate(() => window.__fault).catch(() => null);
        const tail = rec ? ` states: ${rec.states.map((x) => x.s).join(' ')}; last progress ${rec.progress.at(-1)?.b}` : '';
        throw new Error(`upload did not settle within ${timeoutMs} ms.${tail}`, { cause: err });
      }
      return page.evaluate(() => window.__fault);
    },
  };
}

export async function setOffline(page, offline) {
  await page.setOfflineMode(offline);
}

// ---- checks -----------------------------------------------------------------------------

/** PATCH exchanges that did not end in a forwarded 2xx answer: each may waste up to a chunk. */
export function interruptedPatches(proxy, since = 0) {
  return proxy.log.slice(since).filter((e) => e.method === 'PATCH'
    && !(e.outcome === 'forwarded' && e.status >= 200 && e.status < 300)).length;
}

/**
 * Checks a finished upload. Returns { problems: string[], stats }.
 *   rec         the page record (startUpload().wait())
 *   source      { path, size, sha256 }
 *   proxy       the fault proxy the page talked through (fresh for this upload)
 *   dataDir     where the server stores <id>
 *   chunkSize
 *   expectPosts POSTs that must have reached the server (default 1)
 *   faultStates states of which at least one must appear after the first 'uploading'
 *               (e.g. ['reconnecting'] or ['offline']); [] when nothing must show
 */
export async function checkUpload({ rec, source, proxy, dataDir, chunkSize, expectPosts = 1, faultStates = [] }) {
  const problems = [];
  const states = rec.states.map((x) => x.s);
  const stats = {
    ok: rec.ok, ms: rec.ms, states, reconnects: rec.reconnecting.length,
    patchBytes: proxy.patchBytesForwarded, interrupted: interruptedPatches(proxy), byteExact: false,
  };
  stats.overhead = source.size ? stats.patchBytes / source.size : 1;
  if (!rec.ok) {
    problems.push(`upload failed: ${JSON.stringify(rec.error)}; states ${states.join(' ')}`);
  } else {
    if (rec.result?.bytesTotal !== source.size) problems.push(`bytesTotal ${rec.result?.bytesTotal} != ${source.size}`);
    const stored = path.join(dataDir, uploadId(rec.result.uploadUrl));
    const st = await fsp.stat(stored).catch(() => null);
    if (!st) problems.push(`nothing stored at ${stored}`);
    else if (st.size !== source.size) problems.push(`stored ${st.size} bytes, source has ${source.size}`);
    else if ((await sha256File(stored)) !== source.sha256) problems.push('stored SHA-256 differs from the source');
    else stats.byteExact = true;
    if (states.at(-1) !== 'completed') problems.push(`last state ${states.at(-1)}, not completed`);
  }
  const posts = proxy.counts().POST ?? 0;
  if (posts !== expectPosts) problems.push(`${posts} POST(s) reached the server, expected ${expectPosts}`);
  const limit = source.size * (expectPosts) + stats.interrupted * chunkSize;
  if (stats.patchBytes > limit) {
    problems.push(`PATCH bytes forwarded ${stats.patchBytes} > ${limit} (size + ${stats.interrupted} interruption(s) x chunk)`);
  }
  let prev = 0;
  for (const p of rec.progress) {
    if (rec.restarted.some((r) => r.t <= p.t) && p.b < prev) { prev = p.b; continue; }
    if (p.b < prev) { problems.push(`progress decreased ${prev} -> ${p.b} at ${p.t} ms`); break; }
    prev = p.b;
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
    const before = rec.progress.filter((p) => p.t <= ev.t).at(-1)?.b ?? 0;
    const next = rec.progress.find((p) => p.t >= ev.t && p.b > before);
    if (next) out.push(next.t - ev.t);
  }
  return out;
}

/** Times (ms) from each `online` event to the first request state (resuming, uploading, creating) after it. */
export function resumeTimes(rec) {
  const out = [];
  for (const ev of rec.net.filter((n) => n.type === 'online')) {
    const next = rec.states.find((x) => x.t >= ev.t && ['resuming', 'uploading', 'creating'].includes(x.s));
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

// Benchmark group "memory": a 2 GiB file of random bytes (FERRY_BENCH_QUICK: 64 MiB) uploaded
// over 127.0.0.1 to @tus/server with a FileStore (tests/support/serve.mjs) by plain fetch (one PATCH,
// the browser's own cost), ferry (default options) and tus-js-client (default options),
// interleaved, `reps` each, in headless Chromium and then in headless Firefox. Per Chromium run: the page's
// JS heap before the upload (the baseline: page loaded, file picked, nothing started) and its
// peak during the upload (CDP Performance.getMetrics JSHeapUsedSize, every ~250 ms), the
// WebAssembly.Memory objects alive at the end (wasm memory never shrinks, so that is its
// peak), the resident memory of all Chromium processes together (/proc, every ~250 ms), and
// the main thread's long tasks (> 50 ms, PerformanceObserver 'longtask', buffered, installed
// when the page loads). Per Firefox run (driven over classic WebDriver, see bench/firefox.mjs):
// the resident memory of geckodriver and all Firefox processes (the heap and wasm figures come
// from Chromium's DevTools protocol only). Checks free disk space
// first, every stored file by SHA-256, and deletes what it wrote. Returns raw figures for bench/report.mjs; writes no file, judges nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../tests/support/serve.mjs';
import { sha256File, writeRandomFile } from '../tests/support/files.mjs';
import { FERRY_DEFAULT, FETCH, TUSJS_DEFAULT, lastSegment, runClient } from './clients.mjs';
import { runInFirefox, startFirefox } from './firefox.mjs';
import { GiB, mbps } from './stats.mjs';

export const MEMORY_CLIENTS = [FETCH, FERRY_DEFAULT, TUSJS_DEFAULT];

/** Free bytes on the filesystem holding `dir` (df). */
export function freeBytes(dir) {
  const out = execFileSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' });
  return Number(out.trim().split('\n').pop()) * 1024;
}

/** Sum of VmRSS (bytes) of `pid` and all its descendants, from /proc. */
function treeRss(pid) {
  const children = new Map();
  for (const p of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(p));
    } catch { /* gone */ }
  }
  let total = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop();
    try {
      const m = fs.readFileSync(`/proc/${p}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
      if (m) total += Number(m[1]) * 1024;
    } catch { /* gone */ }
    todo.push(...(children.get(p) ?? []));
  }
  return total;
}

/** Samples treeRss(pid) every 250 ms until stop(); resolves to { baseline, peak }. */
function rssSampler(pid) {
  const rss = { baseline: treeRss(pid), peak: 0 };
  rss.peak = rss.baseline;
  const timer = setInterval(() => { rss.peak = Math.max(rss.peak, treeRss(pid)); }, 250);
  return { stop: () => { clearInterval(timer); return rss; } };
}

/**
 * Runs the group; resolves to { size, reps, rows: [{ client, runs: [{ mbps, seconds, heap,
 * wasm, rss, run }] }], firefox: { version, rows: [{ client, runs: [{ mbps, seconds, rss }] }] } }.
 */
export async function runMemory({ browser, tmp, pageRoot, size, reps, log }) {
  const need = 2 * size + GiB;
  const free = freeBytes(tmp);
  if (free < need) throw new Error(`memory: ${(free / GiB).toFixed(1)} GiB free in ${tmp}, need ${(need / GiB).toFixed(1)} GiB (the file and its stored copy)`);
  log(`memory: ${(free / GiB).toFixed(1)} GiB free; writing ${size} random bytes`);
  const file = path.join(tmp, 'memory.bin');
  const { sha256 } = await writeRandomFile(file, size);
  const srv = await startServer({ port: 0, root: pageRoot });
  const rows = MEMORY_CLIENTS.map((client) => ({ client, runs: [] }));
  const firefoxRows = MEMORY_CLIENTS.map((client) => ({ client, runs: [] }));
  const chromePid = browser.process()?.pid;
  let firefox = null;
  /** Checks and deletes the stored copy of upload `id`. */
  const verify = async (client, id) => {
    const stored = path.join(srv.dataDir, id);
    const got = await sha256File(stored);
    await fsp.rm(stored, { force: true });
    await fsp.rm(`${stored}.json`, { force: true });
    if (got !== sha256) throw new Error(`memory, ${client.label}: the stored bytes differ from the source`);
  };
  /** Uploads once with `client` in Chromium; resolves to { seconds, run, rss }. */
  const once = async (client) => {
    const sampler = chromePid ? rssSampler(chromePid) : null;
    const { id, seconds, run } = await runClient(client, { browser, pageUrl: srv.url, endpoint: srv.endpoint, file, size, sample: true });
    const rss = sampler?.stop() ?? null;
    await verify(client, id);
    return { seconds, run, rss };
  };
  const MB = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const row of rows) {
        const { seconds, run, rss } = await once(row.client);
        row.runs.push({ mbps: mbps(size, seconds), seconds, heap: run.heap, wasm: run.wasm, rss, run });
        log(`memory ${rep}/${reps} ${row.client.label}: heap ${MB(run.heap.baseline)} -> peak ${MB(run.heap.peak)} (${run.heap.samples} samples), ` +
          `wasm ${MB(run.wasm.bytes)} in ${run.wasm.count}, Chromium RSS ${rss ? `${MB(rss.baseline)} -> ${MB(rss.peak)}` : 'n/a'}, ` +
          `long tasks ${run.longTasks.length} (longest ${Math.max(0, ...run.longTasks.map((t) => t.duration)).toFixed(0)} ms), ` +
          `${mbps(size, seconds).toFixed(0)} MB/s, SHA-256 ok`);
      }
    }
    firefox = await startFirefox();
    for (let rep = 1; rep <= reps; rep++) {
      for (const row of firefoxRows) {
        const sampler = rssSampler(firefox.pid);
        const run = await runInFirefox(firefox, srv.url, file, row.client.client, { endpoint: new URL(srv.endpoint).pathname, ...row.client.options });
        const rss = sampler.stop();
        if (run.size !== size) throw new Error(`Firefox, ${row.client.label}: the page saw ${run.size} bytes`);
        await verify(row.client, lastSegment(new URL(run.url, srv.url).href));
        const seconds = run.ms / 1000;
        row.runs.push({ mbps: mbps(size, seconds), seconds, rss });
        log(`memory ${rep}/${reps} Firefox, ${row.client.label}: RSS ${rss ? `${MB(rss.baseline)} -> ${MB(rss.peak)}` : 'n/a'}, ` +
          `${mbps(size, seconds).toFixed(0)} MB/s, SHA-256 ok`);
      }
    }
  } finally {
    await firefox?.close();
    await srv.close();
    await fsp.rm(file, { force: true });
  }
  return { size, reps, rows, firefox: { version: firefox?.version ?? null, rows: firefoxRows } };
}

// Chaos runs for ferry's resilience: N uploads of a random file in a headless browser
// (Chromium unless --engine names firefox or webkit), each through its own fault proxy
// (tests/support/fault-proxy.mjs) to a real @tus/server (or, with --server, rustus or
// tuspyserver from tests/support/servers.mjs, which also concatenate: --parallel N), with
// seeded random faults on PATCH and HEAD (resets mid-body, stalls, 500/502/503/423/429/409)
// and, in most runs, the browser going offline for a while mid-upload (where the engine's
// driver can: can.offline; elsewhere the proxy refuses every connection for that while).
// Prints a summary: completed, byte-exact (stored SHA-256 equals the source), one POST per
// upload (parts + 1 with --parallel), PATCH overhead (bytes forwarded / file size), and the
// time from going back online to the first PATCH that succeeds after it (overall, and in
// episodes no injected fault interfered with). Exit code 1 if any run did not complete
// byte-exact with the POSTs expected.
//
// With --recording each run uploads a recording while it is made instead of a file: random
// pieces of 256 KiB appended every 100 ms (source: 'push', buffered as an app's would be) until
// --size-mib were recorded, under the same faults; the server's bytes are compared with
// what was recorded. With --reload each run also closes its tab at a random PATCH and goes on
// in a new one: a file picked again and started (the stored session continued, no second
// POST), a recording ended where it was and finished by resumeAll() from its buffer.
//
//   npm run chaos -- --runs 50 [--engine chromium] [--server rustus --parallel 3] [--recording] [--reload] [--seed 1] [--rate 0.2]
//                    [--size-mib 48] [--chunk-mib 4] [--offline-share 0.7] [--timeout-s 120] [--json out.json] [--verbose]
//
// A run is reproducible from its seed (the proxy's fault schedule and the offline plan;
// browser timing still varies). It needs `node scripts/build.mjs` first, installs nothing,
// uses 127.0.0.1 only, and stops only the browser and servers it started.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../tests/support/serve.mjs';
import { startMatrixServers } from '../tests/support/servers.mjs';
import { mulberry32, startFaultProxy } from '../tests/support/fault-proxy.mjs';
import { checkUpload, median, resumeTimes } from '../tests/support/checks.mjs';
import { writeRandomFile } from '../tests/support/files.mjs';
import { launch } from '../tests/support/page-driver.mjs';
import { getRun, startRun, untilDone } from '../tests/support/recorder.mjs';
import { MiB, sleep, uploadId } from '../tests/support/util.mjs';

function parseArgs(argv) {
  const o = { runs: 10, engine: 'chromium', server: 'tus', parallel: 1, seed: 1, rate: 0.2, sizeMib: 48, chunkMib: 4, json: null, offlineShare: 0.7, timeoutS: 120 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v)) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--runs') o.runs = num();
    else if (a === '--seed') o.seed = num();
    else if (a === '--engine') o.engine = argv[++i];
    else if (a === '--server') o.server = argv[++i];
    else if (a === '--parallel') o.parallel = num();
    else if (a === '--rate') o.rate = num();
    else if (a === '--size-mib') o.sizeMib = num();
    else if (a === '--chunk-mib') o.chunkMib = num();
    else if (a === '--offline-share') o.offlineShare = num();
    else if (a === '--timeout-s') o.timeoutS = num();
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--recording') o.recording = true;
    else if (a === '--reload') o.reload = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(o.runs) || o.runs < 1) throw new Error('--runs must be a positive integer');
  if (!Number.isInteger(o.seed)) throw new Error('--seed must be an integer');
  if (!['chromium', 'firefox', 'webkit'].includes(o.engine)) throw new Error('--engine must be chromium, firefox or webkit');
  if (!['tus', 'rustus', 'tuspyserver'].includes(o.server)) throw new Error('--server must be tus (@tus/server, the default), rustus or tuspyserver');
  if (!Number.isInteger(o.parallel) || o.parallel < 1 || o.parallel > 16) throw new Error('--parallel must be an integer from 1 to 16');
  if (o.parallel > 1 && o.server === 'tus') throw new Error('--parallel needs a server with concatenation: --server rustus or tuspyserver');
  if (o.parallel > 1 && o.recording) throw new Error('a recording goes over one connection: --recording takes no --parallel');
  return o;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}
if (args.help) {
  console.log('usage: node scripts/chaos.mjs --runs N [--engine E] [--server rustus|tuspyserver] [--parallel P] [--recording] [--reload] [--seed S] [--rate R] [--size-mib M] [--chunk-mib C] '
    + '[--offline-share F] [--timeout-s T] [--json FILE] [--verbose]');
  process.exit(0);
}

const SIZE = Math.round(args.sizeMib * MiB);
// A parallel upload creates its parts and then the final upload: all POSTs.
const EXPECT_POSTS = args.parallel > 1 ? args.parallel + 1 : 1;
const CHUNK = Math.round(args.chunkMib * MiB);
// --recording: what is appended, and how often, until SIZE is recorded.
const PIECE = 256 * 1024;
const TIMESLICE = 100;
const CAPTURE = { push: PIECE, timeslice: TIMESLICE, ms: Math.ceil(SIZE / PIECE) * TIMESLICE };
const OPTIONS = {
  endpoint: '/files/', chunkSize: CHUNK, ...(args.parallel > 1 ? { parallelUploads: args.parallel } : {}), retry: { baseDelay: 100, maxDelay: 1000 }, stallTimeout: 2000, progressInterval: 10, track: false,
};

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-chaos-'));
let srv;
let target; // where the page and its requests go, and how the stored bytes are read back
let stack; // --server: the matrix servers' stack (tests/support/servers.mjs)
let browser;
const results = [];
const started = Date.now();

async function cleanup() {
  await browser?.close().catch(() => {});
  await srv?.close().catch(() => {});
  await stack?.stop().catch(() => {});
  await fsp.rm(tmp, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { cleanup().finally(() => process.exit(130)); });
}

/** Calls `fn` once, as the `n`th PATCH through `proxy` goes out. */
function atPatch(proxy, n, fn) {
  let patches = 0;
  const onRequest = (info) => {
    if (info.method !== 'PATCH' || ++patches !== n) return;
    proxy.events.off('request', onRequest);
    fn();
  };
  proxy.events.on('request', onRequest);
}

/** One seeded run: random faults at `rate`, maybe one offline episode mid-upload. */
async function oneRun(seed, source) {
  const plan = mulberry32(seed ^ 0x5eed);
  const numChunks = Math.max(1, Math.ceil(SIZE / CHUNK));
  const offline = plan() < args.offlineShare
    ? { atPatch: 2 + Math.floor(plan() * Math.max(1, numChunks - 2)), ms: 300 + Math.floor(plan() * 2200) }
    : null;
  const reloadAt = args.reload ? 2 + Math.floor(plan() * Math.max(1, numChunks - 2)) : null;
  const proxy = await startFaultProxy({ upstream: target.upstream });
  proxy.randomFaults({ seed, rate: args.rate, stallMs: 4000 });
  let page = await browser.open(target.page(proxy));
  let reloaded = false;
  const tasks = [];
  let offlineDone = false;
  let onlineAt = null; // node clock, for matching proxy log times
  try {
    if (offline) {
      atPatch(proxy, offline.atPatch, () => {
        tasks.push((async () => {
          // Without an offline switch in the driver, the network still goes away: the proxy
          // refuses every connection for that while.
          // (The tab may be closed meanwhile by --reload; its successor starts online.)
          if (browser.can.offline) await page.setOffline(true).catch(() => {});
          else await proxy.offline({ mode: 'refuse' });
          proxy.dropConnections(); // the network went away: what was in flight dies
          await sleep(offline.ms);
          onlineAt = Date.now();
          if (browser.can.offline) await page.setOffline(false).catch(() => {});
          else await proxy.online();
          offlineDone = true;
        })());
      });
    }
    // --reload: the tab closes as its PATCH number reloadAt goes out.
    let reload = null;
    const reloadDue = new Promise((resolve) => { reload = resolve; });
    if (reloadAt) atPatch(proxy, reloadAt, reload);
    const options = { ...OPTIONS, endpoint: target.endpoint(proxy, source) };
    if (args.recording) {
      await startRun(page, 'u', { ...options, capture: CAPTURE });
    } else {
      await page.pick(source.path);
      await startRun(page, 'u', options);
    }
    let made = null; // a recording cut short by --reload: what it recorded until then
    let rec;
    try {
      const done = untilDone(page, 'u', args.timeoutS * 1000);
      if (reloadAt && (await Promise.race([done.then(() => false, () => false), reloadDue.then(() => true)]))) {
        done.catch(() => {});
        if (args.recording) made = await page.evaluate(() => window.ferryTest.freezeCapture('u'));
        await page.close();
        reloaded = true;
        // The new tab opens once the network is back (where the proxy stands in for an offline
        // switch, the page itself could not load before).
        await Promise.allSettled(tasks);
        page = await browser.open(target.page(proxy));
        if (args.recording) {
          await page.evaluate(() => window.ferryTest.resumeAll('u'));
        } else {
          await page.pick(source.path);
          await startRun(page, 'u', options);
        }
        rec = await untilDone(page, 'u', args.timeoutS * 1000);
      } else {
        rec = await done;
      }
    } catch (err) {
      rec = await getRun(page, 'u').catch(() => null);
      return {
        seed, ok: false, byteExact: false, postsAsExpected: false, problems: [err.message], offline, overhead: null,
        recoveries: [], resumes: [], faults: proxy.randomLog.map((f) => f.kind), ms: null,
      };
    }
    await Promise.all(tasks);
    // After a reload the faults may all have hit the first tab.
    const faultStates = (proxy.randomLog.length || offlineDone) && !reloaded ? ['reconnecting', 'resuming', 'offline'] : [];
    if (args.verbose) {
      const t0 = proxy.log[0]?.startedAt ?? 0;
      console.log(`  plan ${JSON.stringify(offline)}\n  states ${rec.stateLog.map((x) => `${x.s}@${x.t}`).join(' ')}`
        + `\n  net ${JSON.stringify(rec.net)}\n  progress ${rec.progress.map((x) => `${x.bytesConfirmed}@${x.t}`).join(' ')}`
        + `\n  reconnecting ${rec.reconnecting.map((x) => `${x.reason?.code}/${x.reason?.status ?? ''}@${x.t}+${x.retryIn}`).join(' ')}`
        + `\n  proxy ${proxy.log.filter((e) => e.path.startsWith('/files')).map((e) => `${e.method}@${e.uploadOffset ?? ''}`
          + `${e.fault ? `[${e.fault}]` : ''}->${e.status ?? e.outcome} +${e.startedAt - t0}..${e.endedAt - t0}`).join('\n        ')}`);
    }
    // A recording is checked against what was recorded.
    made ??= args.recording ? await page.evaluate(() => window.ferryTest.captured('u')) : source;
    const { problems, stats } = await checkUpload({
      rec, source: made, proxy, dataDir: srv?.dataDir, read: target.read, chunkSize: CHUNK, expectPosts: EXPECT_POSTS, sent: 1, faultStates,
    });
    if (offline && offlineDone && browser.can.offline && !reloaded && !rec.states.includes('offline')) {
      // Not a failure: ferry shows `offline` when it is about to send and the browser is
      // offline; a retry wait (e.g. Retry-After) that ends after going online never does.
      problems.push('note: the browser was offline but the state never showed offline');
    }
    if (rec.ok && srv) await fsp.rm(path.join(srv.dataDir, uploadId(rec.result.uploadUrl)), { force: true });
    // Recovery: from going online to the end of the first PATCH, sent after it, that the
    // server answered with success (data flows again). "Clean" when no injected fault hit a
    // request in that window, i.e. the time ferry itself takes.
    const recoveries = [];
    const cleanRecoveries = [];
    if (onlineAt !== null) {
      const ok = proxy.log.find((e) => e.method === 'PATCH' && e.startedAt >= onlineAt
        && e.outcome === 'forwarded' && e.status >= 200 && e.status < 300);
      if (ok) {
        const ms = ok.endedAt - onlineAt;
        recoveries.push(ms);
        if (!proxy.log.some((e) => e.fault && e.startedAt >= onlineAt && e.startedAt <= ok.endedAt)) cleanRecoveries.push(ms);
      }
    }
    return {
      seed,
      ok: rec.ok === true,
      byteExact: stats.byteExact,
      postsAsExpected: (proxy.counts().POST ?? 0) === EXPECT_POSTS,
      problems,
      offline: offline && offlineDone ? offline : null,
      reloadAt: reloaded ? reloadAt : null,
      overhead: stats.overhead,
      patchBytes: stats.patchBytes,
      size: made.size,
      interrupted: stats.interrupted,
      recoveries,
      cleanRecoveries,
      resumes: resumeTimes(rec),
      faults: proxy.randomLog.map((f) => f.kind),
      reconnects: rec.reconnecting.length,
      ms: rec.ms,
    };
  } finally {
    await Promise.allSettled(tasks);
    await page.close().catch(() => {});
    await proxy.close();
  }
}

try {
  const source = args.recording ? { path: path.join(tmp, 'take.bin') } : await writeRandomFile(path.join(tmp, 'source.bin'), SIZE);
  if (args.server === 'tus') {
    srv = await startServer({ port: 0, dataDir: path.join(tmp, 'store') });
    target = { upstream: srv.url, page: (proxy) => `${proxy.url}test/`, endpoint: () => '/files/', read: null };
  } else {
    // A CORS server: the page comes from the stack's front, the requests go to the proxy.
    stack = await startMatrixServers({ tmp, only: [args.server] });
    const server = stack.servers.get(args.server);
    const name = path.basename(source.path);
    target = {
      upstream: `${server.origin}/`,
      page: () => `${stack.front.url}test/`,
      endpoint: (proxy) => `${proxy.origin}${server.endpointPath(name)}`,
      read: (url) => server.read(url, name),
    };
  }
  browser = await launch(args.engine);
  if (args.reload && args.recording && !browser.can.durableRecording) {
    throw new Error(`--reload --recording needs a durable recording buffer: ${browser.why.durableRecording}`);
  }
  console.log(`chaos: ${args.runs} ${args.recording ? 'recordings' : 'runs'} in ${args.engine} against ${args.server === 'tus' ? '@tus/server' : args.server}`
    + `${args.parallel > 1 ? ` with parallelUploads ${args.parallel}` : ''}, seeds ${args.seed}..${args.seed + args.runs - 1}, `
    + `fault rate ${args.rate} on PATCH/HEAD, offline in ~${Math.round(args.offlineShare * 100)}% of runs, `
    + `${args.recording ? `${args.sizeMib} MiB recorded in ${CAPTURE.ms / 1000} s` : `${args.sizeMib} MiB file`}, ${args.chunkMib} MiB chunks`);
  for (let i = 0; i < args.runs; i++) {
    const seed = args.seed + i;
    let r;
    try {
      r = await oneRun(seed, source);
    } catch (err) {
      r = { seed, ok: false, byteExact: false, postsAsExpected: false, problems: [`run crashed: ${err?.stack ?? err}`], recoveries: [], resumes: [], faults: [] };
    }
    results.push(r);
    const hard = r.problems.filter((p) => !p.startsWith('note:'));
    console.log(`run ${String(i + 1).padStart(3)} seed ${seed}: ${r.ok ? 'completed' : 'FAILED'}`
      + `${r.byteExact ? ', byte-exact' : ''}, ${r.faults.length} fault(s)${r.faults.length ? ` [${r.faults.join(' ')}]` : ''}`
      + `${r.offline ? `, offline ${r.offline.ms} ms at PATCH ${r.offline.atPatch}` : ''}`
      + `${r.reloadAt ? `, tab closed at PATCH ${r.reloadAt}` : ''}`
      + `${r.overhead ? `, overhead ${r.overhead.toFixed(3)}` : ''}`
      + `${r.resumes.length ? `, sending again ${r.resumes.join('/')} ms after online` : ''}`
      + `${r.recoveries.length ? `, a PATCH succeeded ${r.recoveries.join('/')} ms after online` : ''}`
      + `${r.ms ? `, ${(r.ms / 1000).toFixed(1)} s` : ''}`
      + `${hard.length ? `\n    ${hard.join('\n    ')}` : ''}`
      + `${r.problems.length > hard.length ? `\n    ${r.problems.filter((p) => p.startsWith('note:')).join('\n    ')}` : ''}`);
  }
} finally {
  await cleanup();
}

const n = results.length;
const completed = results.filter((r) => r.ok).length;
const exact = results.filter((r) => r.byteExact).length;
const postsAsExpected = results.filter((r) => r.postsAsExpected).length;
const clean = results.filter((r) => r.problems.every((p) => p.startsWith('note:'))).length;
const withBytes = results.filter((r) => r.patchBytes !== undefined && r.ok);
// Bytes sent over bytes uploaded (a recording's size is what was recorded, not --size-mib).
const totalRatio = withBytes.length ? withBytes.reduce((s, r) => s + r.patchBytes, 0) / withBytes.reduce((s, r) => s + r.size, 0) : null;
const worst = withBytes.reduce((w, r) => (w && w.overhead >= r.overhead ? w : r), null);
const recoveries = results.flatMap((r) => r.recoveries);
const resumes = results.flatMap((r) => r.resumes);
const cleanRecoveries = results.flatMap((r) => r.cleanRecoveries ?? []);
const faultKinds = {};
for (const r of results) for (const k of r.faults) faultKinds[k] = (faultKinds[k] ?? 0) + 1;
const offlineRuns = results.filter((r) => r.offline).length;
const times = results.filter((r) => r.ms).map((r) => r.ms);

const summary = {
  runs: n, seeds: [args.seed, args.seed + n - 1], rate: args.rate, sizeMib: args.sizeMib, chunkMib: args.chunkMib,
  completed, byteExact: exact, postsAsExpected, allChecksPassed: clean,
  patchOverhead: totalRatio, worstOverhead: worst ? { seed: worst.seed, ratio: worst.overhead } : null,
  offlineRuns, onlineEventsMeasured: recoveries.length,
  recoveryMedianMs: median(recoveries), recoveryMaxMs: recoveries.length ? Math.max(...recoveries) : null,
  cleanRecoveryMedianMs: median(cleanRecoveries),
  cleanRecoveryMaxMs: cleanRecoveries.length ? Math.max(...cleanRecoveries) : null,
  cleanRecoveries: cleanRecoveries.length,
  resumeMedianMs: median(resumes), resumeMaxMs: resumes.length ? Math.max(...resumes) : null,
  faultsInjected: Object.values(faultKinds).reduce((s, x) => s + x, 0), faultKinds,
  uploadMedianS: times.length ? median(times) / 1000 : null, wallS: (Date.now() - started) / 1000,
};

console.log('\n=== chaos summary ===');
console.log(`completed            ${completed}/${n}`);
console.log(`byte-exact           ${exact}/${n}`);
console.log(`${EXPECT_POSTS === 1 ? 'one POST per upload' : `${EXPECT_POSTS} POSTs per upload`}  ${postsAsExpected}/${n}`);
console.log(`all checks passed    ${clean}/${n}`);
console.log(`PATCH overhead       ${totalRatio?.toFixed(3) ?? '-'} (PATCH bytes forwarded / file size, all runs)`
  + `${worst ? `; worst run ${worst.overhead.toFixed(3)} (seed ${worst.seed})` : ''}`);
console.log(`recovery after online  median ${summary.recoveryMedianMs ?? '-'} ms, max ${summary.recoveryMaxMs ?? '-'} ms`
  + ` (going online -> first PATCH sent after it answered 2xx; ${recoveries.length} of ${offlineRuns} offline episodes)`);
console.log(`  without a fault hit  median ${summary.cleanRecoveryMedianMs ?? '-'} ms, max ${summary.cleanRecoveryMaxMs ?? '-'} ms`
  + ` (${cleanRecoveries.length} episodes in which no injected fault hit a request before that PATCH)`);
console.log(`sending after online   median ${summary.resumeMedianMs ?? '-'} ms, max ${summary.resumeMaxMs ?? '-'} ms`
  + ' (online event -> first request state; includes what is left of a Retry-After wait)');
console.log(`faults injected      ${summary.faultsInjected} (${Object.entries(faultKinds).map(([k, v]) => `${k} ${v}`).join(', ')})`);
console.log(`upload time          median ${summary.uploadMedianS?.toFixed(1) ?? '-'} s; wall ${summary.wallS.toFixed(0)} s`);
const failed = results.filter((r) => !r.problems.every((p) => p.startsWith('note:')));
if (failed.length) console.log(`failed seeds: ${failed.map((r) => r.seed).join(' ')}`);
if (args.json) {
  await fsp.writeFile(args.json, `${JSON.stringify({ summary, results }, null, 2)}\n`);
  console.log(`details written to ${args.json}`);
}
process.exitCode = failed.length ? 1 : 0;

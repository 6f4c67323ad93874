// Turns the raw figures of the benchmark groups (bench/loopback.mjs, throttled.mjs,
// memory.mjs) into markdown: one "## " section per group with its date, command, machine
// facts (load average at start and end), tables of medians and ratios to a baseline measured
// in the same run, the progress-event tables, and the issue targets stated beside the
// figures (measured, never asserted). writeBenchmarks() rewrites BENCHMARKS.md: the header
// and "How to run", the sections of the groups that ran, and everything else as it was (the
// other groups' last sections, "## Download size", "## Servers", "## Resilience").
// It measures nothing itself.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, tusJsClientVersion } from './page-root.mjs';
import { GiB, MiB, longTaskSummary, median, smoothness } from './stats.mjs';

export const HEADINGS = {
  loopback: '## Loopback: ',
  throttled: '## Throttled link: ',
  memory: '## Memory and main thread: ',
};
const GROUP_ORDER = ['loopback', 'throttled', 'memory'];
// Sections of the layout before the groups existed: replaced by the group sections.
const RETIRED = ['## How to run', '## Machine', '## Date', '## Results', '## What it means'];

const f0 = (x) => x.toFixed(0);
const f2 = (x) => x.toFixed(2);
const size = (b) => (b >= GiB && b % GiB === 0 ? `${b / GiB} GiB` : `${+(b / MiB).toFixed(1)} MiB`);
const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
const ms = (x) => (x === null || x === undefined ? '–' : `${Math.round(x).toLocaleString('en-US')}`);

function version(cmd, args) {
  try { return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim(); } catch { return 'unknown'; }
}

/** When dist/'s wasm was written, and its size. */
function distBuilt() {
  try {
    const st = fs.statSync(path.join(ROOT, 'dist', 'wasm', 'ferry_upload_bg.wasm'));
    return `${st.mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC (wasm ${st.size.toLocaleString('en-US')} bytes)`;
  } catch { return 'unknown'; }
}

/** Machine facts as a markdown list. */
export function machineFacts({ browserVersion, loadStart, loadEnd }) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  const busy = Math.max(loadStart[0], loadEnd[0]) > 1;
  return [
    `- CPU: ${os.availableParallelism()} cores (nproc), ${os.cpus()[0]?.model?.trim() ?? 'unknown model'}; memory ${(os.totalmem() / GiB).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
    `- Node ${process.version}, ${browserVersion} (headless), ${version('curl', ['--version']).split(' ').slice(0, 2).join(' ')}, tus-js-client ${tusJsClientVersion()}`,
    `- ferry at commit ${version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}; dist/ built ${distBuilt()}`,
    `- load average (1 / 5 / 15 min) at start ${load(loadStart)}, at end ${load(loadEnd)}` +
      (busy ? ' (other work was running: expect noisy numbers, compare the ratios)' : ''),
  ].join('\n');
}

function stamp({ startedAt, command, machine, quick }) {
  const date = startedAt.toISOString().slice(0, 16).replace('T', ' ');
  const q = quick ? '\n\n**FERRY_BENCH_QUICK run: small files, one run each. A check that the benchmark works, not a measurement.**' : '';
  return `Measured ${date} UTC with \`${command}\`${quick && !command.includes('QUICK') ? ' (FERRY_BENCH_QUICK=1)' : ''}.${q}\n\n${machine}`;
}

const medianOf = (row, key = 'mbps') => median(row.runs.map((r) => r[key]));
const runsList = (row, digits) => row.runs.map((r) => r.mbps.toFixed(digits)).join(', ');
const met = (ok) => (ok ? '**met**' : '**not met**');

/** Progress callbacks of a browser row: [{ label, pick(run) -> events }]. */
function callbacksOf(client) {
  if (client.client === 'ferry') return [{ label: '`progress` (bytes confirmed)', pick: (run) => run.progress }];
  if (client.client === 'tusjs') {
    // With parallelUploads, tus-js-client hands onChunkComplete to every part, with that
    // part's own offsets: not the file's progress, so it is left out.
    if (client.options.parallelUploads > 1) return [{ label: '`onProgress` (bytes sent, summed over parts)', pick: (run) => run.progress }];
    return [
      { label: '`onProgress` (bytes sent)', pick: (run) => run.progress },
      { label: '`onChunkComplete` (bytes accepted)', pick: (run) => run.chunks },
    ];
  }
  return [];
}

/** Progress-event table rows for `rows` (browser clients only), worst over the runs. */
function progressRows(rows, prefix = []) {
  const out = [];
  for (const row of rows) {
    if (row.client.kind !== 'browser') continue;
    const callbacks = callbacksOf(row.client);
    const lt = row.runs.map((r) => longTaskSummary(r.run));
    const ltCell = lt.some((x) => x === null) ? 'not supported'
      : `${lt.reduce((a, x) => a + x.count, 0)}; longest ${ms(Math.max(...lt.map((x) => x.longest)))} ms`;
    callbacks.forEach((cb, i) => {
      const s = row.runs.map((r) => smoothness(cb.pick(r.run), r.run.size, r.run.ms));
      const worst = (k) => { const xs = s.map((x) => x[k]).filter((x) => x !== null && x !== undefined); return xs.length ? Math.max(...xs) : null; };
      const once = s.filter((x) => x.finals === 1).length;
      const finals = once === s.length ? `exactly once in ${s.length}/${s.length}` : `exactly once in ${once}/${s.length} (counts: ${s.map((x) => x.finals).join(', ')})`;
      out.push(`| ${[...prefix, i === 0 ? row.client.label : '', cb.label,
        f0(median(s.map((x) => x.count))), ms(worst('first')), ms(worst('maxGap')), ms(worst('fullBeforeDone')), worst('maxPerSecond'),
        s.every((x) => x.monotonic) ? 'yes' : `**no** (${s.filter((x) => !x.monotonic).length} runs)`, finals,
        i === 0 ? ltCell : ''].join(' | ')} |`);
    });
  }
  return out;
}

const PROGRESS_HEAD = 'callback | events per run (median) | start → first event (ms, worst) | largest gap (ms, worst) | showed 100% before done (ms, worst) | most events in 1 s (worst) | never decreasing | 100% reported | long tasks > 50 ms (all runs; longest)';

const PROGRESS_TEXT = `How to read the progress table: every callback of every run is recorded in the page with
its time since the client's start. "Largest gap" includes the wait from the start to the first
event; "showed 100% before done" is how long the callback had already reported the full size
when the client's success callback came (a progress bar at 100% while the upload goes on).
"100% reported" counts the events that carried the full size. ferry's \`progress\` event
counts bytes the **server confirmed** (a PATCH answered) and is throttled to 10 per second
(\`progressInterval\` 100 ms); tus-js-client's \`onProgress\` counts bytes **handed to the
network** (XMLHttpRequest upload progress: they may still sit in socket buffers or be lost with
the connection), and its \`onChunkComplete\` counts bytes the server accepted, once per PATCH
(left out with \`parallelUploads\`, where tus-js-client calls it per part with the part's own offsets).
Long tasks are main-thread tasks over 50 ms seen by a \`PerformanceObserver\` ('longtask') in the page during the upload.`;

// ---- loopback -------------------------------------------------------------------------------

function renderLoopback(r, meta) {
  const byKey = Object.fromEntries(r.rows.map((row) => [row.client.key, row]));
  const curl = medianOf(byKey.curl);
  const tjcRows = r.rows.filter((row) => row.client.client === 'tusjs');
  const tjcBest = tjcRows.reduce((best, row) => (medianOf(row) > medianOf(best) ? row : best));
  const tjc = medianOf(tjcBest);
  const table = [
    `| client | median MB/s | runs (MB/s) | PATCHes | vs curl | vs tus-js-client best |`,
    '|---|---:|---:|---:|---:|---:|',
    ...r.rows.map((row) => `| ${row.client.label} | ${f0(medianOf(row))} | ${runsList(row, 0)} | ${Number.isFinite(medianOf(row, 'patches')) ? f0(medianOf(row, 'patches')) : '–'} | ${f2(medianOf(row) / curl)} | ${f2(medianOf(row) / tjc)} |`),
  ].join('\n');
  const ferryAuto = medianOf(byKey['ferry-auto']);
  const ferry16 = medianOf(byKey['ferry-16m']);
  return `${HEADINGS.loopback}${size(r.size)} to @tus/server over 127.0.0.1${meta.quick ? ' (FERRY_BENCH_QUICK)' : ''}

${stamp(meta)}

One file of ${size(r.size)} of random bytes, uploaded ${r.reps} time${r.reps > 1 ? 's' : ''} by each client, the clients
interleaved, to a real @tus/server 2 with a FileStore on 127.0.0.1 (scripts/serve.mjs, which
also serves the benchmark page, so every request is same-origin). curl is the ceiling: one POST,
then one PATCH streaming the whole file from disk (\`--upload-file\`), timed from the POST to
the end of the PATCH. The other rows run in headless Chromium, in a fresh page each, on the
file picked through \`<input type=file>\`, timed in the page from the client's start to its
success (ferry: \`start()\` to its resolution, loading the wasm included; tus-js-client:
\`start()\` to \`onSuccess\`). "browser fetch" sends the picked file in one PATCH with plain
\`fetch\` and no TUS client: the browser's own cost. tus-js-client ${tusJsClientVersion()} runs with its
defaults (\`chunkSize: Infinity\`: the whole file in one PATCH) and with 16 MiB chunks; ferry
with its defaults (\`chunkSize: 'auto'\`) and with 16 MiB chunks. After every upload the stored
file's SHA-256 is compared with the source's and the file deleted. MB/s is 10^6 bytes per
second; the ratios divide medians of this run. "PATCHes" is the median number of PATCH
requests per upload, counted by the server${r.rows.some((row) => row.runs.some((x) => x.patches === undefined)) ? ' ("–": not counted in this run)' : ''}.

${table}

Issue targets, measured here and not asserted anywhere:

- ferry's default at least as fast as the best tus-js-client configuration (${tjcBest.client.label}):
  ${f0(ferryAuto)} vs ${f0(tjc)} MB/s, ratio ${f2(ferryAuto / tjc)}: ${met(ferryAuto >= tjc)}.
- ferry with 16 MiB chunks at least 0.8 × curl: ${f0(ferry16)} vs ${f0(curl)} MB/s, ratio ${f2(ferry16 / curl)}: ${met(ferry16 >= 0.8 * curl)}.
  For reference, the browser itself (plain fetch, one PATCH, no TUS client) reached ${f2(medianOf(byKey.fetch) / curl)} × curl in this run.

Client, server and disk share one machine here, so these numbers measure what each client
costs next to a fast local server, not a network. A client that sends the file in one PATCH
(curl, fetch, tus-js-client's default) pays for one request; a chunked client pays a round
trip and the server's per-request work per chunk, and waits for each answer before sending the
next (ferry and tus-js-client both keep one request in flight), in exchange for losing at most
one chunk when a connection breaks. Runs vary by tens of percent on a shared 2-core machine:
compare the ratios, measured in the same run.

### Progress events, loopback

| client | ${PROGRESS_HEAD} |
|---|---|---:|---:|---:|---:|---:|---|---|---|
${progressRows(r.rows).join('\n')}

${PROGRESS_TEXT}`;
}

// ---- throttled ------------------------------------------------------------------------------

const MODE_LABEL = { 'per-connection': '50 Mbit/s per connection', shared: '50 Mbit/s shared by all connections' };

function renderThrottled(r, meta) {
  const linkMBps = r.link.rate / 8 / 1e6;
  const rows = [];
  const targets = [];
  for (const m of r.modes) {
    const base = medianOf(m.rows.find((row) => row.client.key === 'tusjs'));
    for (const row of m.rows) {
      const med = medianOf(row);
      rows.push(`| ${MODE_LABEL[m.mode]} | ${row.client.label} | ${f2(med)} | ${f0(med * 8)} | ${runsList(row, 2)} | ${f0(medianOf(row, 'patches'))} | ${f0(medianOf(row, 'connections'))} | ${f2(med / base)} |`);
    }
    const p4 = medianOf(m.rows.find((row) => row.client.key === 'ferry-p4'));
    if (m.mode === 'per-connection') targets.push(`- ferry with \`parallelUploads: 4\` at least 2 × tus-js-client's default, per-connection limit: ${f2(p4)} vs ${f2(base)} MB/s, ratio ${f2(p4 / base)}: ${met(p4 >= 2 * base)}.`);
    else targets.push(`- Shared limit (no target; parallel connections cannot beat one bucket): ferry \`parallelUploads: 4\` ${f2(p4)} vs tus-js-client default ${f2(base)} MB/s, ratio ${f2(p4 / base)}.`);
  }
  const progress = r.modes.flatMap((m) => progressRows(m.rows, [MODE_LABEL[m.mode]]));
  return `${HEADINGS.throttled}${size(r.size)} to rustus at ${r.link.rate / 1e6} Mbit/s, ${2 * r.link.delayMs} ms round trip${meta.quick ? ' (FERRY_BENCH_QUICK)' : ''}

${stamp(meta)}

One file of ${size(r.size)} of random bytes uploaded from headless Chromium (picked through \`<input type=file>\`,
a fresh page per run) to rustus ${r.rustus} on 127.0.0.1 through a throttling proxy of the
project's own (bench/throttle-proxy.mjs), which also serves the page (same-origin, no CORS).
The proxy lets request bodies through at ${r.link.rate / 1e6} Mbit/s (${f2(linkMBps)} MB/s) and delays
request heads and body bytes by ${r.link.delayMs} ms on the way in and response heads by ${r.link.delayMs} ms on the
way back (${2 * r.link.delayMs} ms per request/response round trip; a new connection's first request waits one
more round trip, the TCP handshake's). Its queue holds about one bandwidth-delay product
(640 KiB); beyond that it stops reading and TCP pushes back on the browser. It does not
model congestion control, slow start or loss. Two limits, each a group of rows:

- **per connection**: every TCP connection has its own ${r.link.rate / 1e6} Mbit/s, as per-flow limits on
  real paths do (fair queueing, per-flow shaping, a long path where one TCP flow cannot fill
  the pipe). Here parallel connections can add up.
- **shared**: all connections share one ${r.link.rate / 1e6} Mbit/s bucket, a plain uplink. Parallel
  connections cannot beat one well-used connection there; the rows show what they cost.

Clients, ${r.reps} run${r.reps > 1 ? 's' : ''} each, interleaved: tus-js-client ${tusJsClientVersion()} with its defaults (one PATCH with the
whole file) and with \`parallelUploads: 4\` (4 partial uploads, each one PATCH, joined by
concatenation); ferry with its defaults (one connection, \`chunkSize: 'auto'\`) and with
\`parallelUploads: 4\`. rustus offers the concatenation extension, so both clients really split
the file. Each upload rustus stored (the final, concatenated one for parallel runs) is
compared by SHA-256 with the source. The file is smaller than the loopback group's because
1 GiB at ${r.link.rate / 1e6} Mbit/s takes about ${f0(GiB / (r.link.rate / 8) / 60)} minutes per run; ${size(r.size)} takes about ${f0(r.size / (r.link.rate / 8))} s on one
connection, long enough for ferry's automatic chunk size to settle. Timed in the page as in the
loopback group. "PATCHes" and "connections" are counted by the proxy per run (medians).

| link limit | client | median MB/s | median Mbit/s | runs (MB/s) | PATCHes | connections | vs tus-js-client default |
|---|---|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Issue targets, measured here and not asserted anywhere:

${targets.join('\n')}

### Progress events, throttled link

| link limit | client | ${PROGRESS_HEAD} |
|---|---|---|---:|---:|---:|---:|---:|---|---|---|
${progress.join('\n')}

${PROGRESS_TEXT} Over this link the bytes
tus-js-client counts as sent may still be in buffers on the way (the browser's socket, the
proxy's queue of about 640 KiB per connection), and rustus keeps nothing of a PATCH that breaks
off, so its \`onProgress\` can run ahead of what rustus has; ferry reports only what rustus
confirmed, which is why its events come once per answered PATCH.`;
}

// ---- memory -------------------------------------------------------------------------------

function renderMemory(r, meta) {
  const rows = r.rows.map((row) => {
    const runs = row.runs;
    const med = (fn) => median(runs.map(fn));
    const max = (fn) => Math.max(...runs.map(fn));
    const lt = runs.map((x) => longTaskSummary(x.run));
    const ltCells = lt.some((x) => x === null) ? ['not supported', '–']
      : [`${lt.map((x) => x.count).join(', ')}`, `${ms(Math.max(...lt.map((x) => x.longest)))}`];
    const count = max((x) => x.wasm.count);
    const wasm = count === 0 ? 'none' : `${mib(max((x) => x.wasm.bytes))} (${count} ${count === 1 ? 'memory' : 'memories'})`;
    const rss = runs.every((x) => x.rss) ? `${mib(med((x) => x.rss.baseline))} → ${mib(med((x) => x.rss.peak))} (max ${mib(max((x) => x.rss.peak))})` : 'n/a';
    return `| ${row.client.label} | ${f0(med((x) => x.mbps))} | ${mib(med((x) => x.heap.baseline))} | ${mib(med((x) => x.heap.peak))} (max ${mib(max((x) => x.heap.peak))}) | ${mib(med((x) => x.heap.peak - x.heap.baseline))} | ${wasm} | ${rss} | ${ltCells.join(' | ')} |`;
  });
  return `${HEADINGS.memory}${size(r.size)} to @tus/server over 127.0.0.1${meta.quick ? ' (FERRY_BENCH_QUICK)' : ''}

${stamp(meta)}

One file of ${size(r.size)} of random bytes (written to a temp dir after checking free space with \`df\`,
deleted afterwards), uploaded ${r.reps} time${r.reps > 1 ? 's' : ''} by each client, interleaved, from headless Chromium (picked
through \`<input type=file>\`, a fresh page per run) to @tus/server with a FileStore on
127.0.0.1, each stored file checked by SHA-256. Per run:

- **JS heap**: the page's \`JSHeapUsedSize\` (CDP \`Performance.getMetrics\`), first after the
  page loaded and the file was picked (the baseline: nothing started, ferry's wasm not loaded
  yet), then every ~250 ms during the upload; the table gives the median baseline, the median
  and largest peak, and the median of peak minus baseline.
- **wasm memory**: the \`byteLength\` of every \`WebAssembly.Memory\` alive in the page at the end
  (found with \`Runtime.queryObjects\` on \`WebAssembly.Memory.prototype\`). A wasm memory never
  shrinks, so its size at the end is its peak. tus-js-client has none.
- **Chromium RSS**: resident memory of all Chromium processes together (browser, renderer,
  network, GPU; summed from /proc every ~250 ms, so shared pages count more than once): median
  before → median peak. The file's bytes pass through the browser and network processes, not
  the page's JS heap.
- **long tasks**: main-thread tasks over 50 ms seen during the upload by a
  \`PerformanceObserver\` ('longtask', buffered) installed when the page loaded; their count per
  run and the longest over all runs.

| client | MB/s (median) | JS heap before | JS heap peak (median; max) | peak − before (median) | wasm memory at end | Chromium RSS before → peak | long tasks > 50 ms per run | longest task (ms) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}`;
}

/** Markdown section of group `name`. */
export function renderGroup(name, result, meta) {
  if (name === 'loopback') return renderLoopback(result, meta);
  if (name === 'throttled') return renderThrottled(result, meta);
  if (name === 'memory') return renderMemory(result, meta);
  throw new Error(`unknown group ${name}`);
}

const HOW_TO_RUN = `# Benchmarks

## How to run

\`\`\`sh
npm run bench                          # builds, then runs every group below (about 20 minutes); rewrites their sections
npm run bench -- --only throttled      # one group (or several: --only loopback,memory); rewrites only its section
npm run bench:throttled                # the same as --only throttled
FERRY_BENCH_QUICK=1 npm run bench      # small files, one run each: checks that everything works; prints, writes nothing
npm run bench:quick                    # the same
npm run size                           # builds, then prints the download-size table below
\`\`\`

\`npm run bench\` runs bench/upload.mjs, which starts every server it needs on 127.0.0.1
(@tus/server through scripts/serve.mjs, rustus, the throttling proxy bench/throttle-proxy.mjs),
one headless Chromium, and writes files of random bytes to a temp dir; it deletes them and
stops what it started when it ends. Every group uploads each file several times per client,
interleaved, checks every stored upload by SHA-256 against the source, and reports medians and
ratios to a baseline measured in the same run, never a single timing. The groups:

- **Loopback**: throughput with 1 GiB against @tus/server next to the browser: curl as the
  ceiling, plain fetch, tus-js-client and ferry, and how smooth each client's progress events are.
- **Throttled link**: throughput with 128 MiB to rustus through a 50 Mbit/s, 100 ms round-trip
  link, limited per connection and shared, with and without parallel uploads, and progress events.
- **Memory and main thread**: JS heap, wasm memory, browser memory and long tasks while 2 GiB
  are uploaded by ferry and by tus-js-client.

Each section says when and on what machine it was measured, and how loaded the machine was.
Every run's raw data (each progress event with its time, long tasks, heap figures) is written
to \`test-output/bench/<group>.json\`. Nothing here is a test: no figure is asserted, the
issue targets are stated beside the measurements.
`;

/** Rewrites BENCHMARKS.md with `sections` ({ group: markdown }), keeping every other section. */
export async function writeBenchmarks(sections) {
  const file = path.join(ROOT, 'BENCHMARKS.md');
  const previous = await fsp.readFile(file, 'utf8').catch(() => '');
  const old = [];
  for (const part of `\n${previous}`.split(/\n(?=## )/).slice(1)) old.push(part.trimEnd());
  const groupOf = (s) => GROUP_ORDER.find((g) => s.startsWith(HEADINGS[g]));
  const groups = GROUP_ORDER.map((g) => sections[g] ?? old.find((s) => groupOf(s) === g)
    ?? `${HEADINGS[g]}not measured yet\n\nRun \`npm run bench -- --only ${g}\`.`);
  const kept = old.filter((s) => !groupOf(s) && !RETIRED.some((h) => s.startsWith(h)));
  await fsp.writeFile(file, `${[HOW_TO_RUN.trimEnd(), ...groups, ...kept].join('\n\n')}\n`);
}

// Markdown section of the "memory" benchmark group (bench/memory.mjs's figures): how JS heap,
// wasm memory, the browsers' resident memory and long tasks were measured, one table row per
// client for Chromium and one for Firefox. It measures nothing and writes no file.
import { longTaskSummary, median } from './stats.mjs';
import { f0, mib, ms, size, stamp, HEADINGS } from './report-common.mjs';

export function renderMemory(r, meta) {
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
  const fetchRow = (rows) => rows.find((row) => row.client.client === 'fetch');
  const growth = (row) => median(row.runs.map((x) => x.rss.peak - x.rss.baseline));
  const ff = r.firefox;
  const ffBase = ff && fetchRow(ff.rows);
  const ffRows = (ff?.rows ?? []).map((row) => {
    const runs = row.runs;
    const med = (fn) => median(runs.map(fn));
    const max = (fn) => Math.max(...runs.map(fn));
    const more = ffBase ? `${growth(row) - growth(ffBase) >= 0 ? '+' : '−'}${mib(Math.abs(growth(row) - growth(ffBase)))}` : '–';
    return `| ${row.client.label} | ${f0(med((x) => x.mbps))} | ${mib(med((x) => x.rss.baseline))} → ${mib(med((x) => x.rss.peak))} (max ${mib(max((x) => x.rss.peak))}) | ${mib(growth(row))} | ${more} |`;
  });
  const firefoxPart = !ff ? '' : `

### Firefox (${ff.version})

The same file, uploaded ${r.reps} time${r.reps > 1 ? 's' : ''} by each client in headless Firefox, one
browser for the group, the benchmark page loaded afresh for every run. Firefox is driven over
classic WebDriver (geckodriver, bench/firefox.mjs), not over WebDriver BiDi as in the test
suites: under BiDi (the same uploads through bench/browser.mjs's \`runInPage\` in a Firefox from
tests/support/browsers.mjs's \`launchPuppeteer\`) Firefox's anonymous memory grew with the bytes
uploaded, to about 13 GB for 6 GiB, for plain fetch, XMLHttpRequest and ferry alike, and every
client ran about three times slower; most likely the automation keeps request bodies for its
network events. Over classic WebDriver it stayed flat. Firefox has no DevTools-protocol heap metrics or
\`queryObjects\`, so only resident memory is measured: geckodriver and all Firefox processes
together, from /proc every ~250 ms, as for Chromium. "more than plain fetch" is a client's
median growth minus plain fetch's (the browser's own cost for the same bytes; a ratio would
divide by almost nothing).

| client | MB/s (median) | Firefox RSS before → peak (median; max) | growth (median) | more than plain fetch |
|---|---:|---:|---:|---:|
${ffRows.join('\n')}`;

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
${rows.join('\n')}${firefoxPart}`;
}

// Markdown helpers shared by the section renderers of the benchmark report
// (bench/report-*.mjs): number formats, the "Measured ..." stamp with machine facts (load
// average at start and end, commit, dist/ build), medians per row, and the progress-event
// table (one row per progress callback, worst over the runs). It measures nothing and writes
// no file.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, tusJsClientVersion } from './page-root.mjs';
import { GiB, MiB, longTaskSummary, median, smoothness } from './stats.mjs';

// The "## " headings that mark each benchmark group's section in BENCHMARKS.md (a section is
// recognised by its heading's start, so the rest of the heading can say what was measured).
export const HEADINGS = { loopback: '## Loopback: ', throttled: '## Throttled link: ', memory: '## Memory and main thread: ', hidden: '## Hidden tab: ', recording: '## Recording: ' };

export const f0 = (x) => x.toFixed(0);
export const f2 = (x) => x.toFixed(2);
export const size = (b) => (b >= GiB && b % GiB === 0 ? `${b / GiB} GiB` : `${+(b / MiB).toFixed(1)} MiB`);
export const mib = (b) => `${(b / MiB).toFixed(1)} MiB`;
export const ms = (x) => (x === null || x === undefined ? '–' : `${Math.round(x).toLocaleString('en-US')}`);

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

/** The commit and dist/ build being measured (read when a group starts: commits may land while it runs). */
export function ferryBuild() {
  return `ferry's dist/ built ${distBuilt()}; repository at commit ${version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}`;
}

/** Machine facts as a markdown list; `build` is ferryBuild() from the group's start. */
export function machineFacts({ browserVersion, loadStart, loadEnd, build }) {
  const load = (l) => l.map((x) => x.toFixed(2)).join(' / ');
  // The group's own browser, server and client keep the 1-minute load near 1-3 while it runs;
  // a load above the core count when it starts means other work was sharing the machine.
  const busy = loadStart[0] > os.availableParallelism();
  return [
    `- CPU: ${os.availableParallelism()} cores (nproc), ${os.cpus()[0]?.model?.trim() ?? 'unknown model'}; memory ${(os.totalmem() / GiB).toFixed(1)} GiB; ${os.type()} ${os.release()}`,
    `- Node ${process.version}, ${browserVersion} (headless), ${version('curl', ['--version']).split(' ').slice(0, 2).join(' ')}, tus-js-client ${tusJsClientVersion()}`,
    `- ${build ?? ferryBuild()}`,
    `- load average (1 / 5 / 15 min) at start ${load(loadStart)}, at end ${load(loadEnd)}` +
      (busy
        ? ' (other work was running: expect noisy numbers, compare the ratios)'
        : ' (the load is the benchmark\'s own browser, servers and clients)'),
  ].join('\n');
}

export function stamp({ startedAt, command, machine, quick }) {
  const date = startedAt.toISOString().slice(0, 16).replace('T', ' ');
  const q = quick ? '\n\n**FERRY_BENCH_QUICK run: small files, one run each. A check that the benchmark works, not a measurement.**' : '';
  return `Measured ${date} UTC with \`${command}\`${quick && !command.includes('QUICK') ? ' (FERRY_BENCH_QUICK=1)' : ''}.${q}\n\n${machine}`;
}

export const medianOf = (row, key = 'mbps') => median(row.runs.map((r) => r[key]));
export const runsList = (row, digits) => row.runs.map((r) => r.mbps.toFixed(digits)).join(', ');
export const met = (ok) => (ok ? '**met**' : '**not met**');

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
export function progressRows(rows, prefix = []) {
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

export const PROGRESS_HEAD = 'callback | events per run (median) | start → first event (ms, worst) | largest gap (ms, worst) | showed 100% before done (ms, worst) | most events in 1 s (worst) | never decreasing | 100% reported | long tasks > 50 ms (all runs; longest)';

export const PROGRESS_TEXT = `How to read the progress table: every callback of every run is recorded in the page with
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

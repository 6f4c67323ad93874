// Markdown section of the "loopback" benchmark group (bench/loopback.mjs's figures): what was
// measured and how, the throughput table (medians, runs, PATCH counts, ratios to curl and to
// the best tus-js-client configuration), the issue targets stated beside the figures (never
// asserted), and the progress-event table. It measures nothing and writes no file.
import { tusJsClientVersion } from './page-root.mjs';
import { f0, f2, medianOf, met, PROGRESS_HEAD, PROGRESS_TEXT, progressRows, runsList, size, stamp, HEADINGS } from './report-common.mjs';

export function renderLoopback(r, meta) {
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
interleaved, to a real @tus/server 2 with a FileStore on 127.0.0.1 (tests/support/serve.mjs, which
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

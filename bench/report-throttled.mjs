// Markdown section of the "throttled" benchmark group (bench/throttled.mjs's figures): the
// link the proxy emulates and what it does not, the throughput table per link limit (medians,
// runs, PATCH and connection counts, ratio to tus-js-client's default), the issue target, and
// the progress-event table. It measures nothing and writes no file.
import { tusJsClientVersion } from './page-root.mjs';
import { GiB } from './stats.mjs';
import { f0, f2, medianOf, met, PROGRESS_HEAD, PROGRESS_TEXT, progressRows, runsList, size, stamp, HEADINGS } from './report-common.mjs';

const MODE_LABEL = { 'per-connection': '50 Mbit/s per connection', shared: '50 Mbit/s shared by all connections' };

export function renderThrottled(r, meta) {
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
project's own (tests/support/fault-proxy.mjs's throttle), which also serves the page (same-origin, no CORS).
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
confirmed, which is why its events come once per answered PATCH. The browser reaches the proxy
over loopback, whose kernel socket buffers hold a few MiB per connection: more than a browser
could queue on a real 50 Mbit/s path, so "showed 100% before done" for tus-js-client is larger
here than it would be there (on the loopback group, with no link to wait for, it is tens of ms).`;
}

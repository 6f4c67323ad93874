// Markdown section of the "recording" benchmark group (bench/recording.mjs's figures): what was
// recorded and how, the time from recorder.stop() to done for ferry (uploading while recording)
// and for the baseline (tus-js-client uploading the file after the stop) per link, with the
// ratio ferry ÷ baseline (stated, never asserted), and what the recordings were (bitrate,
// frame rate, what was left to send at the stop). It measures nothing and writes no file.
import { f0, f2, HEADINGS, stamp } from './report-common.mjs';
import { median } from './stats.mjs';

const s2 = (x) => x.toFixed(2);
const mb = (b) => (b / 1e6).toFixed(1);
const pick = (link, key) => link.runs.map((r) => r[key]);
const med = (link, key) => median(pick(link, key));
const range = (xs, fmt) => (xs.length > 1 ? `${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))}` : fmt(xs[0]));

export function renderRecording(r, meta) {
  const rec = r.recording;
  const secs = r.ms / 1000;
  const length = secs % 60 === 0 ? `${secs / 60}-minute` : `${secs}-second`;
  const timed = r.links.flatMap((link) => {
    const ferry = pick(link, 'ferry');
    const base = pick(link, 'baseline');
    const ratio = median(ferry) / median(base);
    return [
      `| ${link.label} | ferry, uploading while recording | **${s2(median(ferry))}** | ${s2(Math.min(...ferry))} | ${s2(Math.max(...ferry))} | ${ferry.map(s2).join(', ')} | ${ratio < 0.01 ? ratio.toFixed(3) : f2(ratio)} |`,
      `| | tus-js-client, the file after the stop (baseline) | **${s2(median(base))}** | ${s2(Math.min(...base))} | ${s2(Math.max(...base))} | ${base.map(s2).join(', ')} | |`,
    ];
  });
  const details = r.links.map((link) => [
    `| ${link.label}`,
    mb(med(link, 'bytes')),
    `${s2(med(link, 'mbitps'))} (${range(pick(link, 'mbitps'), s2)})`,
    `${med(link, 'fps').toFixed(1)} / ${med(link, 'encodedFps').toFixed(1)} (${range(pick(link, 'encodedFps'), (x) => x.toFixed(1))})`,
    `${s2(med(link, 'unconfirmedAtStop') / 1e6)} (${range(pick(link, 'unconfirmedAtStop'), (b) => s2(b / 1e6))})`,
    f0(med(link, 'patches')),
    f0(med(link, 'stopToLast') * 1000),
    `${s2(med(link, 'baselineUpload'))} (${s2(med(link, 'bytes') / 1e6 / med(link, 'baselineUpload'))} MB/s)`,
    `${f0(med(link, 'basePatches'))} |`,
  ].join(' | '));
  const slices = r.links.flatMap((l) => l.runs.flatMap((x) => x.pieces.slice(0, -1)));
  const warnings = [...new Set(r.links.flatMap((l) => l.runs.flatMap((x) => x.warnings)))];
  const loop = r.links.find((l) => l.key === 'loopback');
  const slow = r.links.find((l) => l.key === 'throttled');
  return `${HEADINGS.recording}stop to done${meta.quick ? ' (FERRY_BENCH_QUICK)' : ''}

${stamp(meta)}

A ${length} recording in headless Chromium, ${r.reps} per link, alternating between the links: a
real \`MediaRecorder\` (${r.links[0].runs[0]?.mimeType ?? 'video/webm'}, \`videoBitsPerSecond\`
${rec.videoBitsPerSecond.toLocaleString('en-US')}, timeslice ${rec.timeslice} ms) on the \`captureStream(${rec.fps})\` of a ${rec.width}×${rec.height}
canvas redrawn ${rec.fps} times a second with full-frame noise (±${rec.amplitude} around mid-grey, in ${rec.grain}×${rec.grain}
blocks, so that every frame costs bytes), stopped ${secs + rec.timeslice / 2000} s after \`recorder.start()\` (half way through a
piece, the average case). The recorder is handed to ferry as \`source\` before
\`recorder.start()\`: ferry uploads while it records (\`Upload-Defer-Length\`, default options).
**ferry** is timed in the page from \`recorder.stop()\` to \`start()\` resolving. The
**baseline** is "record, then upload the file": the same recorder output (the concatenated
pieces, as a File) uploaded by tus-js-client (default options, chunkSize Infinity) to the same
server over the same link. It runs once ferry is done, so the two never share the link; its
time is the stop to the recorder's last piece (its 'stop' event, measured in the same
recording) plus its upload from \`start()\` to \`onSuccess\`. Both go to a real @tus/server 2
with a FileStore: over 127.0.0.1 (loopback), and through tests/support/fault-proxy.mjs's
throttle at ${r.link.rate / 1e6} Mbit/s with a ${r.link.delayMs * 2} ms round trip (as in the throttled-link section). Both
uploads of every recording are checked on the server's store by size and SHA-256 against the
recorder output, and ferry's was created once with a deferred length. The ratio divides the
medians of this run.

| link | client | median stop → done (s) | min (s) | max (s) | runs (s) | ferry ÷ baseline |
|---|---|---:|---:|---:|---:|---:|
${timed.join('\n')}

What was recorded and sent (medians; ranges over the runs):

| link | recorded (MB) | bitrate (Mbit/s) | frames per s: drawn / encoded | not yet confirmed at the stop (MB) | ferry PATCHes | stop → last piece (ms) | baseline upload alone (s) | baseline PATCHes |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${details.join('\n')}

The bitrate is the recorder's output over the time it recorded. The encoder was asked for
${rec.videoBitsPerSecond / 1e6} Mbit/s, but on noise Chromium's VP8 encoder does not hold a bitrate: it writes about
a fixed number of bits per frame (set by the content, chosen here to come out near 8 Mbit/s)
times the frames it finds the CPU to encode, so the bitrate follows the encoded frame rate. It
varies from second to second: a ${rec.timeslice} ms piece held ${range(slices, (b) => s2(b / 1e6))} MB
(the last piece of each recording, cut by the stop, left out). "Encoded" counts the frames in
the stored WebM: fewer than were drawn means frames were dropped between the canvas and the
file, which comes with the CPU being short (the software VP8 encoder in the renderer shares the
cores with the page, ferry, the servers, the proxy and whatever else runs). "Not yet confirmed at the stop" is
what ferry still had to send when \`recorder.stop()\` was called, by its last \`progress\` event
(they come at most every 100 ms): pieces on their way, plus the one the recorder delivers after
the stop (ferry holds the last byte back until then, so that the length goes with a PATCH that
has a body). ${warnings.length ? `ferry warned: ${warnings.join(', ')}.` : 'ferry gave no warning.'}

Issue target, measured here and not asserted anywhere: with ferry, "stop" means "done a moment
later". What is left at the stop is the piece the recorder still holds (at most one timeslice:
${mb(rec.videoBitsPerSecond / 8 * rec.timeslice / 1000)} MB at the requested bitrate) and any piece still on its way, so stop to done should
stay near the time of one PATCH of that size on both links${loop && slow ? ` (here ${s2(med(loop, 'ferry'))} s and ${s2(med(slow, 'ferry'))} s)` : ''},
whatever the recording's length. The baseline sends the whole file after the stop: its time
grows with the recording's length and falls with the link's speed${slow ? ` (${mb(med(slow, 'bytes'))} MB at ${r.link.rate / 1e6} Mbit/s:
${s2(med(slow, 'baseline'))} s)` : ''}.`;
}

// Writes the benchmark report: renderGroup() turns one group's raw figures into its markdown
// section (bench/report-loopback.mjs, report-throttled.mjs, report-memory.mjs,
// report-hidden.mjs, report-recording.mjs), and
// writeBenchmarks() rewrites BENCHMARKS.md: the header and "How to run", the sections of the
// groups that ran, and everything else as it was (the other groups' last sections,
// "## Download size", "## Servers", "## Resilience"). machineFacts() lists the machine.
// It measures nothing itself.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './page-root.mjs';
import { renderHidden } from './report-hidden.mjs';
import { renderLoopback } from './report-loopback.mjs';
import { renderMemory } from './report-memory.mjs';
import { renderRecording } from './report-recording.mjs';
import { HEADINGS } from './report-common.mjs';
import { renderThrottled } from './report-throttled.mjs';

export { ferryBuild, machineFacts } from './report-common.mjs';
export { HEADINGS };

const GROUP_ORDER = ['loopback', 'throttled', 'memory', 'hidden', 'recording'];
// Sections of the layout before the groups existed: replaced by the group sections.
const RETIRED = ['## How to run', '## Machine', '## Date', '## Results', '## What it means'];

/** Markdown section of group `name`. */
export function renderGroup(name, result, meta) {
  if (name === 'loopback') return renderLoopback(result, meta);
  if (name === 'throttled') return renderThrottled(result, meta);
  if (name === 'memory') return renderMemory(result, meta);
  if (name === 'hidden') return renderHidden(result, meta);
  if (name === 'recording') return renderRecording(result, meta);
  throw new Error(`unknown group ${name}`);
}

const HOW_TO_RUN = `# Benchmarks

## How to run

\`\`\`sh
npm run bench                          # builds, then runs every group below (about 35 minutes); rewrites their sections
npm run bench -- --only throttled      # one group (or several: --only loopback,memory); rewrites only its section
npm run bench -- --only recording      # the recording group alone (about 13 minutes of 2-minute recordings)
npm run bench:throttled                # the same as --only throttled
FERRY_BENCH_QUICK=1 npm run bench      # small files, 10 s recordings, one run each: checks that everything works; prints, writes nothing
npm run bench:quick                    # the same
npm run size                           # builds, then prints the download-size table below; fails above size-budget.json
npm run size -- --names                # and where the wasm's bytes go, by crate and module (twiggy)
npm run size -- --update-budget        # records this build's bytes in size-budget.json
\`\`\`

\`npm run bench\` runs bench/upload.mjs, which starts every server it needs on 127.0.0.1
(@tus/server through tests/support/serve.mjs, rustus, the throttling proxy tests/support/fault-proxy.mjs),
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
- **Hidden tab**: ferry's throughput with 256 MiB in a hidden tab next to a visible one.
- **Recording: stop to done**: 2-minute recordings at about 8 Mbit/s (a real MediaRecorder on an
  animated canvas), uploaded by ferry while they record; the time from \`recorder.stop()\` to done,
  over loopback and the 50 Mbit/s link, next to tus-js-client uploading the same recording after
  the stop; both uploads are checked on the server against the recorder output.

Each section says when and on what machine it was measured, how loaded the machine was, which
build of dist/ ran and the commit the repository was at (\`npm run bench\` builds dist/ first,
so the two match; a bare \`node bench/upload.mjs\` measures whatever dist/ holds).
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

// Entry of `npm run bench`: runs the benchmark groups side by side in one headless Chromium
// and writes their sections of BENCHMARKS.md (bench/report.mjs):
//   loopback   1 GiB to @tus/server over 127.0.0.1: curl, fetch, tus-js-client, ferry (bench/loopback.mjs)
//   throttled  128 MiB to rustus through a 50 Mbit/s, 100 ms RTT proxy (bench/throttled.mjs)
//   memory     2 GiB to @tus/server: heap, wasm memory, long tasks (bench/memory.mjs)
//   hidden     256 MiB to @tus/server by ferry in a hidden tab and a visible one (bench/hidden.mjs)
//   recording  2-minute 8 Mbit/s recordings to @tus/server, loopback and 50 Mbit/s: recorder.stop() to
//              done for ferry uploading while recording, and for tus-js-client after the stop (bench/recording.mjs)
// Progress-event smoothness is recorded for every browser run of the first two.
//
//   node bench/upload.mjs [--only loopback,throttled,memory,hidden,recording] [--reps N]
//   FERRY_BENCH_QUICK=1 node bench/upload.mjs   # small files, 10 s recordings, 1 rep: a check that every part works
//
// A quick run prints its tables and never touches BENCHMARKS.md; --only rewrites only the
// sections of the groups it ran. Each group's raw runs (every progress event with its time,
// long tasks, heap samples) go to test-output/bench/<group>[-quick].json. It does not build (npm run bench does), uses only
// 127.0.0.1, and stops only the processes it started.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from './browser.mjs';
import { runHidden } from './hidden.mjs';
import { runLoopback } from './loopback.mjs';
import { runMemory } from './memory.mjs';
import { ROOT, preparePageRoot } from './page-root.mjs';
import { runRecording } from './recording.mjs';
import { ferryBuild, machineFacts, renderGroup, writeBenchmarks } from './report.mjs';
import { GiB, MiB } from './stats.mjs';
import { runThrottled } from './throttled.mjs';

const GROUPS = {
  loopback: { run: runLoopback, size: GiB, quickSize: 32 * MiB, reps: 3 },
  throttled: { run: runThrottled, size: 128 * MiB, quickSize: 24 * MiB, reps: 3 },
  memory: { run: runMemory, size: 2 * GiB, quickSize: 64 * MiB, reps: 3 },
  hidden: { run: runHidden, size: 256 * MiB, quickSize: 32 * MiB, reps: 3 },
  // Sized by the recording's length (ms), not by a file.
  recording: { run: runRecording, ms: 2 * 60_000, quickMs: 10_000, reps: 3 },
};

function parseArgs(argv) {
  const out = { only: Object.keys(GROUPS), reps: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--only') out.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a.startsWith('--only=')) out.only = a.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--reps') out.reps = Number(value());
    else throw new Error(`unknown argument ${a}; usage: node bench/upload.mjs [--only ${Object.keys(GROUPS).join(',')}] [--reps N]`);
  }
  for (const g of out.only) if (!GROUPS[g]) throw new Error(`unknown group ${g}; groups: ${Object.keys(GROUPS).join(', ')}`);
  if (out.reps !== null && !(Number.isInteger(out.reps) && out.reps > 0)) throw new Error('--reps needs a positive integer');
  return out;
}

const args = parseArgs(process.argv.slice(2));
const quick = /^(1|true|yes)$/i.test(process.env.FERRY_BENCH_QUICK ?? '');
const log = (msg) => console.error(`[bench] ${msg}`);
// The command as it was typed, for the record (npm scripts that add arguments are named as they are).
const event = process.env.npm_lifecycle_event;
const argv = process.argv.slice(2).join(' ');
const command = event === 'bench' ? `npm run bench${argv ? ` -- ${argv}` : ''}`
  : event ? `npm run ${event}`
    : `${quick ? 'FERRY_BENCH_QUICK=1 ' : ''}node bench/upload.mjs${argv ? ` ${argv}` : ''}`;

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-bench-'));
let browser;
const sections = {};
const failed = [];
try {
  const pageRoot = await preparePageRoot(path.join(tmp, 'page'));
  browser = await launchChromium();
  const browserVersion = await browser.version();
  for (const name of args.only) {
    const g = GROUPS[name];
    const size = quick ? g.quickSize : g.size;
    const ms = quick ? g.quickMs : g.ms;
    const reps = quick ? 1 : (args.reps ?? g.reps);
    const loadStart = os.loadavg();
    const build = ferryBuild();
    const startedAt = new Date();
    log(`${name}: ${reps} rep(s) of ${ms ? `${ms / 1000} s recordings` : `${size / MiB} MiB`}${quick ? ' (FERRY_BENCH_QUICK: not for the record)' : ''}`);
    try {
      const result = await g.run({ browser, tmp, pageRoot, size, ms, reps, log });
      const machine = machineFacts({ browserVersion, loadStart, loadEnd: os.loadavg(), build });
      sections[name] = renderGroup(name, result, { machine, startedAt, command, quick });
      // Every run's raw data (progress events with their times, long tasks, heap samples) for a closer look.
      const raw = path.join(ROOT, 'test-output', 'bench', `${name}${quick ? '-quick' : ''}.json`);
      await fsp.mkdir(path.dirname(raw), { recursive: true });
      await fsp.writeFile(raw, JSON.stringify({ group: name, quick, command, startedAt, machine, ...result }, null, 1));
      log(`${name}: raw runs in ${path.relative(ROOT, raw)}`);
      console.log(`\n${sections[name]}\n`);
    } catch (err) {
      // One broken group must not cost the others' figures; its section is left as it was.
      failed.push(name);
      log(`${name} FAILED: ${err.stack ?? err}`);
    }
  }
  await browser.close();
  browser = null;
  if (quick) log('FERRY_BENCH_QUICK: BENCHMARKS.md left as it is');
  else if (Object.keys(sections).length > 0) {
    await writeBenchmarks(sections);
    log(`wrote the ${Object.keys(sections).join(', ')} section(s) of BENCHMARKS.md`);
  }
} finally {
  await browser?.close();
  await fsp.rm(tmp, { recursive: true, force: true });
}
if (failed.length > 0) {
  log(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}

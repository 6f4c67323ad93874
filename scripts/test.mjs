// Runs the test tiers in order and counts tests passed and failed, streaming each tier's
// output. TIERS below is the one list of tiers: `npm test` runs them all (after setup.sh),
// package.json's `test:<tier>` scripts run `node scripts/test.mjs <tier>`, and CI runs
// `npm test` (.ci/run). The tiers: (a) purity: src/core names no platform crate and the SDK
// never calls Blob.stream(); (b) lint (scripts/lint.mjs); (c) cargo test on the host; (d) the
// build; (e) type tests; (f) wasm-bindgen tests in headless Chromium and Firefox (page and
// Worker) against a live @tus/server; (g) end-to-end tests in tests/e2e/*.test.mjs, each
// scenario in Chromium, Firefox and WebKit (tests/support/page-driver.mjs); (h) the
// wasm-bindgen tests in WebKitGTK's MiniBrowser; (i) integrations; (j) the server interop
// matrix (tests/servers/).
// Each tier prints one row of the summary table; the last line is `N passed, N failed`. A
// skipped or todo test counts as a failure unless its reason names a capability the engine
// lacks (`can.<name>: why`) or a TUS extension the server lacks (`server.<extension>: why`),
// which is reported as not applicable. The exit code is 1 if
// anything failed or a tier crashed (a crash counts as a failure). It installs nothing
// (setup.sh does) and stops only the processes it started.
//
//   node scripts/test.mjs [tier ...]   (all by default; tiers: see TIERS)
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import { CHROMIUM_ARGS, FIREFOX_PREFS } from '../tests/support/browsers.mjs';
import { engines } from '../tests/support/page-driver.mjs';
import { startServer } from '../tests/support/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  PATH: `${path.join(root, 'node_modules', '.bin')}:${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}`,
};
// The runner prefers GECKODRIVER even for --chrome: never pass these on.
delete env.GECKODRIVER;
delete env.CHROMEDRIVER;

const MIN = 60_000;
const running = new Set(); // the child process groups running now

/**
 * Runs a command in its own process group, capturing its output and streaming it (or, with
 * `quiet`, printing it when the command ends, so that commands run side by side do not mix).
 */
function run(cmd, args, { extraEnv = {}, timeoutMs, quiet = false }) {
  const line = `$ ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v} `).join('')}${cmd} ${args.join(' ')}`;
  if (!quiet) console.log(line);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    const take = (stream, sink) => stream.on('data', (d) => { output += d; if (!quiet) sink.write(d); });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      console.log(`[test] ${cmd} timed out after ${timeoutMs / MIN} min; stopping it`);
      killGroup(child);
    }, timeoutMs);
    child.on('error', (err) => { output += `\n${err.message}\n`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (quiet) console.log(`${line}\n${output}`);
      resolve({ code: timedOut ? 'timeout' : (code ?? signal), output });
    });
  });
}

function killGroup(child) {
  try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
  setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** Adds up libtest's `test result: ok. N passed; M failed` lines. */
function libtestCounts(output) {
  let passed = 0;
  let failed = 0;
  for (const m of stripAnsi(output).matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  }
  return { passed, failed };
}

/**
 * Counts node:test's spec summary. Skipped and todo tests are failures unless their reason is
 * a capability of the engine or the server (`# can.<name>: ...`, `# server.<extension>: ...`),
 * which is counted as not applicable instead.
 */
function nodeTestCounts(output, code) {
  const text = stripAnsi(output);
  const count = (label) => Number(text.match(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  const capability = [...text.matchAll(/^\s*\S+ (.*) \([\d.]+m?s\) # ((?:can|server)\.\w+: .*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  for (const c of capability) console.log(`[test] not applicable: ${c}`);
  const unexplained = count('skipped') + count('todo') - capability.length;
  return withCrash({
    passed: count('pass'), failed: count('fail') + count('cancelled') + Math.max(0, unexplained), notApplicable: capability.length,
  }, code);
}

/** Runs `node --test` on `files`; resolves to its counts. */
async function nodeTests(files, { timeoutMs, extraEnv, flags = [], quiet }) {
  const { code, output } = await run('node', ['--test', '--test-reporter=spec', ...flags, ...files], { timeoutMs, extraEnv, quiet });
  return nodeTestCounts(output, code);
}

/**
 * Runs `units` ({ files, extraEnv }), each its own `node --test`, two at a time in the order
 * given (node itself sorts the files it is given, so this is how the longest go first); each
 * unit's output is printed when it ends. Resolves to the counts of all.
 */
async function nodeTestPool(units, { timeoutMs, flags = [] }) {
  const total = { passed: 0, failed: 0, notApplicable: 0 };
  const queue = [...units];
  const worker = async () => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      const counts = await nodeTests(unit.files, { timeoutMs, flags, extraEnv: unit.extraEnv, quiet: true });
      for (const k of Object.keys(total)) total[k] += counts[k] ?? 0;
    }
  };
  await Promise.all([worker(), worker()]);
  return total;
}

/** A command that exits non-zero without reporting a failed test has crashed: one failure. */
function withCrash(counts, code) {
  if (code !== 0 && counts.failed === 0) {
    console.log(`[test] exited with ${code} and no failed test reported: counted as a failure`);
    return { ...counts, failed: 1 };
  }
  return counts;
}

// (a) Names that must not appear in the pure core (comments aside).
const FORBIDDEN = [
  'wasm_bindgen', 'web_sys', 'js_sys', 'gloo', 'rexie', 'wasm_bindgen_futures', 'serde_wasm_bindgen',
  'std::time', 'rand', 'async fn', 'cfg(target_',
];
// A name matches as a whole word at its start; at its end `_` may follow (gloo_timers, rand_core).
const FORBIDDEN_RE = FORBIDDEN.map((name) => {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = /^\w/.test(name) ? '(?<!\\w)' : '';
  const end = /[A-Za-z0-9]$/.test(name) ? '(?![A-Za-z0-9])' : '';
  return [name, new RegExp(start + escaped + end)];
});

async function corePurity() {
  const hits = [];
  const walk = async (dir) => {
    for (const entry of await fsp.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        const lines = (await fsp.readFile(p, 'utf8')).split('\n');
        lines.forEach((line, i) => {
          const code = line.replace(/(^|[^:])\/\/.*$/, '$1'); // comments aside, not `http://`
          for (const [name, re] of FORBIDDEN_RE) {
            if (re.test(code)) hits.push(`${path.relative(root, p)}:${i + 1}: ${name}: ${line.trim()}`);
          }
        });
      }
    }
  };
  await walk(path.join(root, 'src', 'core'));
  for (const h of hits) console.log(h);
  console.log(hits.length ? `src/core names ${hits.length} platform item(s)` : 'src/core is platform-free');
  const streams = neverStreams();
  const drift = tierScriptDrift();
  return { passed: [hits, streams, drift].filter((h) => !h.length).length, failed: [hits, streams, drift].filter((h) => h.length).length };
}

/**
 * The SDK reads files only with Blob.slice: no `.stream(` and no `new ReadableStream` in JS/TS,
 * no ReadableStream in Rust, in js/src, src and dist. Returns the offending lines.
 */
function neverStreams() {
  const hits = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.(ts|tsx|js|mjs|rs)$/.test(entry.name)) {
        fs.readFileSync(p, 'utf8').split('\n').forEach((line, i) => {
          // An app's ReadableStream may be a recording's source (js/src/recording/source.ts
          // reads it); the SDK itself never makes one, nor binds one in Rust.
          const rust = p.endsWith('.rs');
          if (/\.stream\s*\(|new\s+ReadableStream\b/.test(line) || (rust && /\bReadableStream\b/.test(line))) hits.push(`${path.relative(root, p)}:${i + 1}: ${line.trim()}`);
        });
      }
    }
  };
  for (const dir of ['js/src', 'src', 'dist'].filter((d) => fs.existsSync(path.join(root, d)))) walk(path.join(root, dir));
  for (const h of hits) console.log(h);
  console.log(hits.length ? `the SDK calls Blob.stream() or ReadableStream ${hits.length} time(s)` : 'the SDK never calls Blob.stream()');
  return hits;
}

/** package.json's test:<tier> scripts are exactly `node scripts/test.mjs <tier>`, one per tier. */
function tierScriptDrift() {
  const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts;
  const want = Object.fromEntries(TIERS.map(([, key]) => [`test:${key}`, `node scripts/test.mjs ${key}`]));
  const have = Object.fromEntries(Object.entries(scripts).filter(([k]) => k.startsWith('test:')));
  const drift = [...new Set([...Object.keys(want), ...Object.keys(have)])].filter((k) => want[k] !== have[k]).map((k) => `${k}: "${have[k]}", expected "${want[k]}"`);
  for (const d of drift) console.log(`package.json ${d}`);
  console.log(drift.length ? 'package.json\'s test scripts drifted from scripts/test.mjs\'s TIERS' : 'package.json\'s test scripts are the tiers');
  return drift;
}

/** scripts/lint.mjs, counted by its own last line `N passed, N failed`. */
async function lint() {
  if (!fs.existsSync(path.join(root, 'scripts', 'lint.mjs'))) {
    console.log('scripts/lint.mjs is missing');
    return { passed: 0, failed: 1 };
  }
  const { code, output } = await run('node', ['scripts/lint.mjs'], { timeoutMs: 10 * MIN });
  const last = stripAnsi(output).trim().split('\n').at(-1)?.match(/^(\d+) passed, (\d+) failed$/);
  return withCrash(last ? { passed: Number(last[1]), failed: Number(last[2]) } : { passed: 0, failed: 0 }, code);
}

async function cargoTest() {
  const { code, output } = await run('cargo', ['test', '--no-fail-fast'], { timeoutMs: 10 * MIN });
  return withCrash(libtestCounts(output), code);
}

async function build() {
  const { code } = await run('node', ['scripts/build.mjs'], { timeoutMs: 10 * MIN });
  return code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

// Browser capabilities for the wasm-bindgen test runner: keep both browsers off the network.
const WEBDRIVER_CAPABILITIES = {
  'goog:chromeOptions': {
    // The runner adds headless itself; the others are the flags every script uses.
    args: CHROMIUM_ARGS.filter((a) => a !== '--headless' && a !== '--no-sandbox').map((a) => a.slice(2)),
  },
  'moz:firefoxOptions': { prefs: FIREFOX_PREFS },
};

async function browserTests() {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-test-'));
  const capabilities = path.join(tmp, 'webdriver.json');
  await fsp.writeFile(capabilities, JSON.stringify(WEBDRIVER_CAPABILITIES));
  const srv = await startServer({ port: 0, dataDir: path.join(tmp, 'uploads') });
  try {
    const { code, output } = await run(
      'wasm-pack',
      ['test', '--mode', 'no-install', '--headless', '--chrome', '--firefox', '--', '--test', 'browser', '--test', 'worker'],
      {
        extraEnv: {
          FERRY_TEST_ENDPOINT: srv.endpoint,
          WASM_BINDGEN_TEST_TIMEOUT: '120',
          WASM_BINDGEN_TEST_WEBDRIVER_JSON: capabilities,
        },
        timeoutMs: 12 * MIN,
      },
    );
    return withCrash(libtestCounts(output), code);
  } finally {
    await srv.close();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

/** `files` with those whose path holds a name in `longest` first, in that order. */
function longestFirst(files, longest) {
  const rank = (f) => {
    const i = longest.findIndex((name) => f.includes(name));
    return i === -1 ? longest.length : i;
  };
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

// Every scenario file in tests/e2e, each in Chromium, Firefox and WebKit: one `node --test` per
// file and engine (FERRY_ENGINES), two at a time (node's default on 2 cores is one): each has
// its own server, proxy and browser, and most of a scenario's time is spent waiting on the
// network or a timer, not on a core. The longest files (about 40-65 s per engine here) first.
async function endToEnd() {
  const files = fs.readdirSync(path.join(root, 'tests', 'e2e')).filter((f) => f.endsWith('.test.mjs')).map((f) => `tests/e2e/${f}`);
  const units = longestFirst(files, ['faults', 'resume', 'upload', 'demo', 'recording', 'wake'])
    .flatMap((file) => engines().map((engine) => ({ files: [file], extraEnv: { FERRY_ENGINES: engine } })));
  return nodeTestPool(units, { timeoutMs: 20 * MIN });
}

// (h) WebKit, Safari's engine. wasm-bindgen-test-runner starts SAFARIDRIVER itself and asks for
// a session with empty capabilities (it ignores webdriver.json for Safari); WebKitWebDriver
// then launches its default browser, MiniBrowser --automation, which needs an X display.
async function webkitTests() {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-webkit-'));
  const srv = await startServer({ port: 0, dataDir: path.join(tmp, 'uploads') });
  try {
    const { code, output } = await run(
      'xvfb-run',
      ['-a', 'wasm-pack', 'test', '--mode', 'no-install', '--headless', '--safari', '--safaridriver', '/usr/bin/WebKitWebDriver',
        '--', '--test', 'browser', '--test', 'worker'],
      { extraEnv: { FERRY_TEST_ENDPOINT: srv.endpoint, WASM_BINDGEN_TEST_TIMEOUT: '120' }, timeoutMs: 8 * MIN },
    );
    return withCrash(libtestCounts(output), code);
  } finally {
    await srv.close();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
}

async function typeTests() {
  const { code } = await run('node', ['node_modules/typescript/bin/tsc', '-p', 'tests/types/tsconfig.json'], { timeoutMs: 5 * MIN });
  return code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

// The package as apps meet it: the packed tarball, React, the queue, CORS diagnostics, the
// fault proxy's own tests, Uppy (one engine per run), and the Next.js example built and driven
// in both browsers; two at a time, the longest (the Next.js builds, Uppy) first, each with its own temp
// dir, server and ports (dist/ is built before, so the two `npm pack`s only read it).
async function integrations() {
  const dirs = ['tests/support', 'tests/package', 'tests/react', 'tests/queue', 'tests/cors', 'tests/uppy', 'examples/nextjs/test'];
  const files = dirs.flatMap((d) => fs.readdirSync(path.join(root, d)).filter((f) => f.endsWith('.test.mjs')).map((f) => `${d}/${f}`));
  const units = longestFirst(files, ['nextjs', 'uppy', 'react', 'queue']).flatMap((file) => (file.includes('uppy') ? engines() : [undefined])
    .map((engine) => ({ files: [file], extraEnv: { NEXT_TELEMETRY_DISABLED: '1', ...(engine && { FERRY_ENGINES: engine }) } })));
  return nodeTestPool(units, { timeoutMs: 20 * MIN, flags: ['--test-timeout=1800000'] });
}

// Every scenario against every real TUS server in Chromium, Firefox and WebKit (tests/servers/),
// one run per engine, two at a time (each starts its own servers), with one timed upload per
// server instead of three; `npm run servers:docs` runs the full one, every engine in one run,
// and writes the tables into README.md and BENCHMARKS.md.
async function serverMatrix() {
  if (process.env.FERRY_MATRIX_DOCS === '1') return nodeTests(['tests/servers/'], { timeoutMs: 60 * MIN });
  const units = engines().map((engine) => ({ files: ['tests/servers/matrix.test.mjs'], extraEnv: { FERRY_MATRIX: 'quick', FERRY_ENGINES: engine } }));
  return nodeTestPool(units, { timeoutMs: 15 * MIN });
}

const TIERS = [
  ['core purity, no Blob.stream(), tier scripts', 'purity', corePurity],
  ['cargo test', 'cargo', cargoTest],
  ['build', 'build', build],
  // After the build: it also checks what the release .wasm imports.
  ['lint', 'lint', lint],
  ['type tests', 'types', typeTests],
  ['browser tests (wasm-pack)', 'browser', browserTests],
  ['end-to-end in Chromium, Firefox and WebKit', 'e2e', endToEnd],
  ['WebKit (wasm-bindgen tests)', 'webkit', webkitTests],
  ['integrations (package, React, queue, CORS, Uppy, Next.js)', 'integrations', integrations],
  ['server matrix (rustus, tuspyserver, SeaweedFS, @tus/server + FileStore / S3Store)', 'servers', serverMatrix],
];
// `node scripts/test.mjs browser e2e` runs only those tiers (all by default).
const only = process.argv.slice(2);
const unknown = only.filter((a) => !TIERS.some(([, key]) => key === a));
if (unknown.length) {
  console.error(`unknown tier(s): ${unknown.join(', ')}; tiers: ${TIERS.map(([, key]) => key).join(', ')}`);
  process.exit(2);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

const started = Date.now();
const summary = [];
let passed = 0;
let failed = 0;
for (const [name, key, tier] of TIERS) {
  if (only.length && !only.includes(key)) continue;
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  let counts;
  try {
    counts = await tier();
  } catch (err) {
    console.log(`[test] ${name} crashed: ${err?.stack ?? err}`);
    counts = { passed: 0, failed: 1 };
  }
  passed += counts.passed;
  failed += counts.failed;
  const na = counts.notApplicable ? `, ${counts.notApplicable} not applicable` : '';
  summary.push(`${name.padEnd(48)} ${String(counts.passed).padStart(5)} passed ${String(counts.failed).padStart(4)} failed${na} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log('\n=== summary ===');
for (const line of summary) console.log(line);
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
// Nothing of ours should still run, but never hang CI on a stray handle.
setTimeout(() => process.exit(process.exitCode), 1000).unref();

// Runs every test tier in order and counts tests passed and failed, streaming each tier's
// output: (a) src/core names no platform crate, (b) cargo test on the host, (c) the build,
// (d) wasm-bindgen tests in headless Chromium and Firefox (page and Worker) against a live
// @tus/server, (e) end-to-end tests in tests/e2e/*.test.mjs, (f) WebKit: the wasm-bindgen
// tests in WebKitGTK's MiniBrowser (WebKitWebDriver under xvfb-run) and the end-to-end tests
// in tests/e2e/webkit/ over W3C WebDriver, (g) integrations, (h) the server interop matrix
// (tests/servers/: rustus, tuspyserver, SeaweedFS, @tus/server with FileStore and S3Store).
// The last line is `N passed, N failed`;
// the exit code is 1 if anything failed or a tier crashed (a crash counts as a failure).
// It installs nothing (setup.sh does) and stops only the processes it started.
//
//   node scripts/test.mjs [purity|cargo|build|types|browser|e2e|webkit|integrations|servers ...]   (all by default)
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, FIREFOX_PREFS } from './browsers.mjs';
import { startServer } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  PATH: `${path.join(root, 'node_modules', '.bin')}:${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}`,
};
// The runner prefers GECKODRIVER even for --chrome: never pass these on.
delete env.GECKODRIVER;
delete env.CHROMEDRIVER;

const MIN = 60_000;
let current = null; // the child process group running now, if any

/** Runs a command in its own process group, streaming and capturing its output. */
function run(cmd, args, { extraEnv = {}, timeoutMs }) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...env, ...extraEnv }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let output = '';
    const take = (stream, sink) => stream.on('data', (d) => { output += d; sink.write(d); });
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
      current = null;
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
  return { passed: hits.length ? 0 : 1, failed: hits.length ? 1 : 0 };
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

async function endToEnd() {
  // tests/e2e/*.test.mjs (Chromium and Firefox); tests/e2e/webkit/ is the WebKit tier's.
  const e2eFiles = (await fsp.readdir(path.join(root, 'tests', 'e2e'))).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `tests/e2e/${f}`);
  const { code, output } = await run('node', ['--test', '--test-reporter=spec', ...e2eFiles], { timeoutMs: 12 * MIN });
  const text = stripAnsi(output);
  const count = (label) => Number(text.match(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  return withCrash({ passed: count('pass'), failed: count('fail') + count('cancelled') + count('todo') + count('skipped') }, code);
}

// (f) WebKit, Safari's engine. wasm-bindgen-test-runner starts SAFARIDRIVER itself and asks for
// a session with empty capabilities (it ignores webdriver.json for Safari); WebKitWebDriver
// then launches its default browser, MiniBrowser --automation, which needs an X display.
async function webkitTests() {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-webkit-'));
  const srv = await startServer({ port: 0, dataDir: path.join(tmp, 'uploads') });
  let wasm;
  try {
    const { code, output } = await run(
      'xvfb-run',
      ['-a', 'wasm-pack', 'test', '--mode', 'no-install', '--headless', '--safari', '--safaridriver', '/usr/bin/WebKitWebDriver',
        '--', '--test', 'browser', '--test', 'worker'],
      { extraEnv: { FERRY_TEST_ENDPOINT: srv.endpoint, WASM_BINDGEN_TEST_TIMEOUT: '120' }, timeoutMs: 8 * MIN },
    );
    wasm = withCrash(libtestCounts(output), code);
  } finally {
    await srv.close();
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  const { code, output } = await run('node', ['--test', '--test-reporter=spec', 'tests/e2e/webkit/'], { timeoutMs: 10 * MIN });
  const text = stripAnsi(output);
  const count = (label) => Number(text.match(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  const e2e = withCrash({ passed: count('pass'), failed: count('fail') + count('cancelled') + count('todo') + count('skipped') }, code);
  return { passed: wasm.passed + e2e.passed, failed: wasm.failed + e2e.failed };
}

async function typeTests() {
  const { code } = await run('node', ['node_modules/typescript/bin/tsc', '-p', 'tests/types/tsconfig.json'], { timeoutMs: 5 * MIN });
  return code === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

// The package as apps meet it: the packed tarball, React, the queue, CORS diagnostics, the
// fault proxy's own tests, and the Next.js example built and driven in both browsers.
async function integrations() {
  const suites = ['tests/support/', 'tests/package/', 'tests/react/', 'tests/queue/', 'tests/cors/', 'examples/nextjs/test/'];
  const { code, output } = await run(
    'node',
    ['--test', '--test-concurrency=1', '--test-timeout=1800000', '--test-reporter=spec', ...suites],
    { timeoutMs: 20 * MIN, extraEnv: { NEXT_TELEMETRY_DISABLED: '1' } },
  );
  const text = stripAnsi(output);
  const count = (label) => Number(text.match(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  return withCrash({ passed: count('pass'), failed: count('fail') + count('cancelled') + count('todo') + count('skipped') }, code);
}

// Every scenario against every real TUS server in Chromium and Firefox (tests/servers/), with
// one timed upload per server instead of three; `npm run test:servers` runs the full one and
// writes the tables into README.md and BENCHMARKS.md.
async function serverMatrix() {
  const { code, output } = await run(
    'node', ['--test', '--test-reporter=spec', 'tests/servers/'],
    { timeoutMs: 15 * MIN, extraEnv: { FERRY_MATRIX: 'quick' } },
  );
  const text = stripAnsi(output);
  const count = (label) => Number(text.match(new RegExp(`^\\S* ?${label} (\\d+)$`, 'm'))?.[1] ?? 0);
  return withCrash({ passed: count('pass'), failed: count('fail') + count('cancelled') + count('todo') + count('skipped') }, code);
}

const TIERS = [
  ['core purity', 'purity', corePurity],
  ['cargo test', 'cargo', cargoTest],
  ['build', 'build', build],
  ['type tests', 'types', typeTests],
  ['browser tests (wasm-pack)', 'browser', browserTests],
  ['end-to-end', 'e2e', endToEnd],
  ['WebKit (wasm-bindgen tests, end-to-end over WebDriver)', 'webkit', webkitTests],
  ['integrations (package, React, queue, CORS, Next.js)', 'integrations', integrations],
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
    if (current) killGroup(current);
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
  summary.push(`${name}: ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}
console.log('\n=== summary ===');
for (const line of summary) console.log(line);
console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
// Nothing of ours should still run, but never hang CI on a stray handle.
setTimeout(() => process.exit(process.exitCode), 1000).unref();

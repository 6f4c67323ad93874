// Runs the cargo-fuzz targets in fuzz/ (every parser of server or stored input in the core) on
// the pinned nightly that builds the release wasm, one target after another on one core, and
// prints executions and crashes per target. Fails when any target crashed (its input is kept
// in fuzz/artifacts/<target>/). Installs cargo-fuzz when it is missing; installs nothing else.
//
//   npm run fuzz -- --minutes N      N minutes in all, split evenly across the targets
//   npm run fuzz -- --runs R         R executions per target (e.g. 10000000)
//   npm run fuzz -- --only url,date  some targets only
//
// Corpora grow in fuzz/corpus/<target>/ (not committed) and are reused by the next run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fuzzDir = join(root, 'fuzz');
const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
const env = { ...process.env, PATH: `${join(cargoHome, 'bin')}:${process.env.PATH}` };

function usage(message) {
  console.error(`[fuzz] ${message}\nusage: npm run fuzz -- (--minutes N | --runs R) [--only a,b]`);
  process.exit(2);
}

const args = process.argv.slice(2);
const opt = {};
for (let i = 0; i < args.length; i += 2) {
  const [key, value] = [args[i], args[i + 1]];
  if (!['--minutes', '--runs', '--only'].includes(key) || value === undefined) usage(`bad argument ${key}`);
  opt[key.slice(2)] = value;
}
const minutes = opt.minutes === undefined ? undefined : Number(opt.minutes);
const runs = opt.runs === undefined ? undefined : Number(opt.runs);
if (minutes === undefined && runs === undefined) usage('say how long: --minutes or --runs');
if ((minutes !== undefined && !(minutes > 0)) || (runs !== undefined && !(Number.isInteger(runs) && runs > 0))) {
  usage('--minutes must be positive and --runs a positive integer');
}

// The toolchain date lives in one place: scripts/build.mjs (setup.sh reads it the same way).
const build = readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8');
const toolchain = build.match(/^const RELEASE_TOOLCHAIN = '(.*)';$/m)?.[1];
if (!toolchain) usage('RELEASE_TOOLCHAIN not found in scripts/build.mjs');

const manifest = readFileSync(join(fuzzDir, 'Cargo.toml'), 'utf8');
let targets = [...manifest.matchAll(/^\[\[bin\]\]\s*\nname = "([^"]+)"/gm)].map((m) => m[1]);
if (opt.only) {
  const wanted = opt.only.split(',');
  const unknown = wanted.filter((t) => !targets.includes(t));
  if (unknown.length) usage(`unknown targets ${unknown.join(', ')} (known: ${targets.join(', ')})`);
  targets = targets.filter((t) => wanted.includes(t));
}

function has(cmd, args) {
  try {
    execFileSync(cmd, args, { env, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (!has('cargo', ['fuzz', '--version'])) {
  console.error('[fuzz] installing cargo-fuzz (cargo install cargo-fuzz --locked)');
  execFileSync('cargo', ['install', 'cargo-fuzz', '--locked'], { env, stdio: 'inherit' });
}
if (!has('rustup', ['run', toolchain, 'rustc', '--version'])) {
  usage(`${toolchain} is not installed (scripts/setup.sh installs it)`);
}

// Safe Rust throughout the core: no sanitizer, but debug assertions (overflow checks) stay on.
const cargoArgs = ['nice', '-n', '15', 'cargo', `+${toolchain}`, 'fuzz'];
const common = ['--sanitizer', 'none', '--debug-assertions'];
console.error(`[fuzz] building ${targets.length} targets on ${toolchain}`);
execFileSync(cargoArgs[0], [...cargoArgs.slice(1), 'build', ...common], { cwd: fuzzDir, env, stdio: 'inherit' });

const seconds = minutes === undefined ? undefined : Math.max(1, Math.floor((minutes * 60) / targets.length));

function runTarget(target) {
  const corpus = join(fuzzDir, 'corpus', target);
  mkdirSync(corpus, { recursive: true });
  const libfuzzer = ['-print_final_stats=1', '-max_len=1024'];
  if (runs !== undefined) libfuzzer.push(`-runs=${runs}`);
  if (seconds !== undefined) libfuzzer.push(`-max_total_time=${seconds}`);
  const argv = [...cargoArgs.slice(1), 'run', ...common, target, corpus, '--', ...libfuzzer];
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cargoArgs[0], argv, { cwd: fuzzDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-20000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('close', (code) => {
      const executions = Number(tail.match(/stat::number_of_executed_units:\s*(\d+)/)?.[1] ?? NaN);
      const crashed = code !== 0;
      if (crashed) console.error(tail.split('\n').slice(-60).join('\n'));
      resolve({ target, executions, seconds: Math.round((Date.now() - started) / 1000), crashes: crashed ? 1 : 0 });
    });
  });
}

const results = [];
for (const target of targets) {
  console.error(`[fuzz] ${target}: ${runs !== undefined ? `${runs} runs` : ''}${seconds !== undefined ? ` at most ${seconds} s` : ''}`);
  const r = await runTarget(target);
  console.error(`[fuzz] ${target}: ${r.executions} executions in ${r.seconds} s, ${r.crashes} crashes`);
  results.push(r);
}

console.log('\n| target | executions | seconds | crashes |\n| --- | ---: | ---: | ---: |');
for (const r of results) console.log(`| ${r.target} | ${r.executions.toLocaleString('en-US')} | ${r.seconds} | ${r.crashes} |`);
const failed = results.filter((r) => r.crashes > 0 || !Number.isFinite(r.executions));
if (failed.length) {
  console.error(`[fuzz] FAILED: ${failed.map((r) => r.target).join(', ')} (inputs in fuzz/artifacts/)`);
  process.exit(1);
}

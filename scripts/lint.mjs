// The lint tier: `cargo fmt --check`, clippy with warnings as errors on the host (all targets)
// and on wasm32, and a check that the release .wasm (dist/wasm/*.wasm, when built) imports
// nothing but what its wasm-bindgen glue provides (module and name, as the build shortened
// them): an `env` import means a C or libc symbol leaked into the module, and a name the glue
// lacks, a renaming gone wrong; either fails to instantiate in browsers.
// Prints one line per check and a last line `N passed, N failed`; exits 1 if anything failed.
// It installs nothing (setup.sh adds clippy and rustfmt) and builds nothing but what clippy
// checks; a .wasm that was not built is reported and counted neither way.
//
//   node scripts/lint.mjs
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env, PATH: `${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}` };

/** Import modules the wasm-bindgen glue provides (`--target web` names it `wbg`). */
/** What the glue next to `file` provides: `module name` pairs, the keys of the object of
 * functions __wbg_get_imports builds and of the object it returns. */
function provided(file) {
  const glue = fs.readFileSync(path.join(dist, file.replace(/_bg\.wasm$/, '.js')), 'utf8');
  const names = [...glue.matchAll(/^\s+([\w$]+): function\b/gm)].map((m) => m[1]);
  const modules = [...glue.matchAll(/^\s+(["'])([^"']+)\1: import0,/gm)].map((m) => m[2]);
  return new Set(modules.flatMap((module) => names.map((name) => `${module} ${name}`)));
}

const results = [];

function report(name, ok, detail = '') {
  results.push(ok);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
}

/** Runs a command; passes when it exits 0. On failure shows the first lines it printed. */
function command(name, cmd, args) {
  const out = spawnSync(cmd, args, { cwd: root, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  const ok = out.status === 0;
  if (!ok) {
    const lines = text.split('\n').filter((l) => /^(error|warning|Diff in)/.test(l)).slice(0, 10);
    report(name, false, out.error ? out.error.message : `exit ${out.status}`);
    for (const line of lines) console.log(`       ${line}`);
    return;
  }
  report(name, true);
}

command('cargo fmt --check', 'cargo', ['fmt', '--check']);
command('cargo clippy --all-targets -- -D warnings', 'cargo', ['clippy', '--all-targets', '--', '-D', 'warnings']);
const dist = path.join(root, 'dist', 'wasm');
command('cargo clippy --target wasm32-unknown-unknown -- -D warnings', 'cargo', [
  'clippy', '--target', 'wasm32-unknown-unknown', '--', '-D', 'warnings',
]);

const wasms = fs.existsSync(dist) ? fs.readdirSync(dist).filter((f) => f.endsWith('.wasm')) : [];
if (wasms.length === 0) {
  console.log('--   release .wasm imports: not built (node scripts/build.mjs builds dist/wasm)');
}
for (const file of wasms) {
  const name = `dist/wasm/${file} imports only what its wasm-bindgen glue provides`;
  try {
    const module = new WebAssembly.Module(fs.readFileSync(path.join(dist, file)));
    const glue = provided(file);
    const foreign = WebAssembly.Module.imports(module).filter((i) => !glue.has(`${i.module} ${i.name}`));
    const shown = foreign.slice(0, 5).map((i) => `${i.module}.${i.name}`).join(', ');
    report(name, foreign.length === 0, foreign.length ? `${foreign.length} other imports (${shown})` : '');
  } catch (e) {
    report(name, false, `not a loadable module: ${e.message}`);
  }
}

const failed = results.filter((ok) => !ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

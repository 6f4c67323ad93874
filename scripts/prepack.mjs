// `npm pack` / `npm publish` hook: makes sure dist/ holds a build of the current sources before
// npm packs it, so that a pack from a fresh clone gives a working tarball. It builds (scripts/
// build.mjs) when dist/ is missing or older than any source it is built from, and runs
// scripts/setup.sh first only when the build tools are not installed. It does nothing else:
// what goes into the tarball is package.json's "files".
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'index.js');
const sources = ['src', join('js', 'src'), 'Cargo.toml', 'Cargo.lock', join('scripts', 'build.mjs'), join('scripts', 'wasm-opt.mjs'), join('js', 'tsconfig.json')];

/** Newest modification time under `p` (js/src/wasm is build output, not a source). */
function newest(p) {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const entry of readdirSync(p)) {
    if (p.endsWith(join('js', 'src')) && entry === 'wasm') continue;
    t = Math.max(t, newest(join(p, entry)));
  }
  return t;
}

function toolsInstalled() {
  const env = { ...process.env, PATH: `${join(homedir(), '.cargo', 'bin')}:${process.env.PATH}` };
  try {
    execFileSync('wasm-bindgen', ['--version'], { env, stdio: 'ignore' });
    return existsSync(join(root, 'node_modules', '.bin', 'wasm-opt'));
  } catch {
    return false;
  }
}

const stale = !existsSync(built) || sources.some((s) => existsSync(join(root, s)) && newest(join(root, s)) > statSync(built).mtimeMs);
// Silent when dist/ is up to date: `npm pack --json` output is read by tools and tests.
if (stale) {
  if (!toolsInstalled()) execFileSync('bash', [join(root, 'scripts', 'setup.sh')], { cwd: root, stdio: ['ignore', 2, 2] });
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: ['ignore', 2, 2] });
}

// Builds the npm package into dist/: the release wasm (cargo on the pinned nightly with the
// standard library rebuilt for panic=immediate-abort, then wasm-bindgen and wasm-opt -Oz from
// the binaryen npm package, import and export names shortened in the .wasm and its glue alike:
// wasm-opt.mjs) and the TypeScript API compiled by tsc. It installs nothing
// (setup.sh does) and never downloads. Without the pinned nightly it builds on stable with
// wasm-pack instead, and says so: the wasm is then about 14% larger (gzip).
//
//   dist/index.js, dist/*.d.ts     the API (js/src)
//   dist/wasm/ferry_upload.js      wasm-bindgen glue (--target web)
//   dist/wasm/ferry_upload_bg.wasm the engine
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { OPTIMIZE, shortenNames } from './wasm-opt.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'node_modules', '.bin');
const pkgDir = join(root, 'target', 'wasm-pkg');
// Keep the build machine's paths out of the .wasm (panic locations embed them). rustc applies
// the last matching prefix, so the dependency sources (CARGO_HOME/registry/src/<index>) come last.
const cargoHome = process.env.CARGO_HOME || join(homedir(), '.cargo');
const registrySrc = join(cargoHome, 'registry', 'src');
const remaps = [
  `${root}=ferry`,
  `${homedir()}=~`,
  ...(existsSync(registrySrc) ? readdirSync(registrySrc).map((index) => `${join(registrySrc, index)}=deps`) : []),
];
const env = {
  ...process.env,
  PATH: `${bin}:${join(cargoHome, 'bin')}:${process.env.PATH}`,
  CARGO_ENCODED_RUSTFLAGS: remaps.map((r) => `--remap-path-prefix=${r}`).join('\x1f'),
};

function run(cmd, args) {
  console.error(`[build] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** The nightly that builds the release wasm (setup.sh installs it, with rust-src). */
const RELEASE_TOOLCHAIN = 'nightly-2026-05-19';

function hasReleaseToolchain() {
  try {
    const out = execFileSync('rustup', ['component', 'list', '--installed', '--toolchain', RELEASE_TOOLCHAIN],
      { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return /^rust-src/m.test(out);
  } catch {
    return false;
  }
}

rmSync(pkgDir, { recursive: true, force: true });
const pinned = hasReleaseToolchain();
if (pinned) {
  // A target dir of its own, so the stable test builds in target/ are not rebuilt each time.
  const targetDir = join(root, 'target', 'release-wasm');
  env.RUSTUP_TOOLCHAIN = RELEASE_TOOLCHAIN;
  env.CARGO_ENCODED_RUSTFLAGS += '\x1f-Zunstable-options\x1f-Cpanic=immediate-abort\x1f-Zfmt-debug=none\x1f-Zlocation-detail=none';
  run('cargo', ['build', '--release', '--lib', '--target', 'wasm32-unknown-unknown', '--target-dir', targetDir,
    // optimize_for_size: the standard library's smaller variants of the same algorithms.
    '-Zbuild-std=std,panic_abort', '-Zbuild-std-features=optimize_for_size']);
  delete env.RUSTUP_TOOLCHAIN;
  run('wasm-bindgen', ['--target', 'web', '--out-dir', pkgDir, '--out-name', 'ferry_upload',
    join(targetDir, 'wasm32-unknown-unknown', 'release', 'ferry_upload.wasm')]);
} else {
  console.error(`[build] ${RELEASE_TOOLCHAIN} with rust-src is missing (scripts/setup.sh installs it): ` +
    'building on stable, which gives a larger wasm');
  run('wasm-pack', ['build', '--mode', 'no-install', '--release', '--target', 'web', '--no-pack',
    '--out-dir', pkgDir, '--out-name', 'ferry_upload', root]);
}

const wasm = join(pkgDir, 'ferry_upload_bg.wasm');
// With its function names, for `npm run size -- --names` (scripts/size-names.mjs), and which
// toolchain built it, for the size budget (scripts/size.mjs).
mkdirSync(join(pkgDir, 'named'), { recursive: true });
copyFileSync(wasm, join(pkgDir, 'named', 'ferry_upload_bg.wasm'));
writeFileSync(join(pkgDir, 'toolchain.txt'), `${pinned ? RELEASE_TOOLCHAIN : 'stable'}\n`);
const before = statSync(wasm).size;
run(join(bin, 'wasm-opt'), [...OPTIMIZE, '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
console.error(`[build] wasm-opt: ${before} -> ${statSync(wasm).size} bytes`);
const renamed = shortenNames(join(bin, 'wasm-opt'), pkgDir, env);
console.error(`[build] short names for ${renamed.imports} imports and ${renamed.exports} exports: ${statSync(wasm).size} bytes`);

const glue = ['ferry_upload.js', 'ferry_upload.d.ts', 'ferry_upload_bg.wasm', 'ferry_upload_bg.wasm.d.ts'];
rmSync(join(root, 'dist'), { recursive: true, force: true });
for (const dir of [join(root, 'js', 'src', 'wasm'), join(root, 'dist', 'wasm')]) {
  mkdirSync(dir, { recursive: true });
  for (const f of glue) copyFileSync(join(pkgDir, f), join(dir, f));
}
run(join(bin, 'tsc'), ['-p', join(root, 'js', 'tsconfig.json')]);
console.error('[build] dist/ ready');

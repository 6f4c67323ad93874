// What binaryen's wasm-opt does to the release .wasm after wasm-bindgen, in one place for the
// build and for `npm run size -- --names`: the optimisation flags (OPTIMIZE), and the names
// (shortenNames).
//
// OPTIMIZE: -Oz until nothing changes, told two facts that hold for a Rust module that owns its
// memory: the low 1 KB of memory is never used (the data and stack start at 1 MiB), and memory
// starts zeroed. (Flattening and re-looping saved 660 bytes gzip more but restructures every
// loop, the hashing ones too; left out.)
//
// shortenNames shortens the names the wasm and its wasm-bindgen glue share: every import (`__wbg_fetch_`
// and a 16-digit hash), its module (`./ferry_upload_bg.js`) and every export (closure shims
// whose names run to 300 characters) become one to three letters, in the .wasm and in the glue
// alike. binaryen's `--minify-imports-and-exports-and-modules` renames them in the .wasm and
// prints the mapping; this module applies it to the glue and its declarations. Nothing else
// changes: the glue reaches exports only as `wasm.<name>` and provides imports only as the keys
// of one object, and the build fails if a name is left that the .wasm no longer has.
//
// It does not touch the app-facing API (`Engine`, `listSessions`, ... keep their names in the
// glue; only the .wasm's export names behind them change).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OPTIMIZE = ['--low-memory-unused', '--zero-filled-memory', '-Oz', '--converge'];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Renames in `pkgDir`'s ferry_upload_bg.wasm, ferry_upload.js and both .d.ts files. */
export function shortenNames(wasmOpt, pkgDir, env) {
  const wasm = join(pkgDir, 'ferry_upload_bg.wasm');
  const printed = execFileSync(wasmOpt, ['--minify-imports-and-exports-and-modules', wasm, '-o', wasm],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const mapping = JSON.parse(printed.slice(printed.indexOf('{')));
  const imports = new Map(mapping.imports.map(([, from, to]) => [from, to]));
  const exports = new Map(mapping.exports);
  const modules = new Set(mapping.imports.map(([module]) => module));
  const renamedModules = new Set(WebAssembly.Module.imports(new WebAssembly.Module(readFileSync(wasm))).map((i) => i.module));
  if (modules.size !== 1 || renamedModules.size !== 1) {
    throw new Error(`expected one import module, found ${[...modules]} -> ${[...renamedModules]}`);
  }
  const [module] = modules;
  const [renamedModule] = renamedModules;

  const gluePath = join(pkgDir, 'ferry_upload.js');
  let glue = readFileSync(gluePath, 'utf8');
  glue = glue.replace(/\bwasm\.([\w$]+)/g, (whole, name) => {
    const to = exports.get(name);
    if (to === undefined) throw new Error(`the glue calls wasm.${name}, which the .wasm does not export`);
    return `wasm.${to}`;
  });
  // Imports are the keys of the object __wbg_get_imports builds: `    name: function(...`.
  glue = glue.replace(/^(\s+)([\w$]+): function\b/gm, (whole, indent, name) => {
    const to = imports.get(name);
    return to === undefined ? whole : `${indent}${to}: function`;
  });
  const moduleKey = new RegExp(`(["'])${escape(module)}\\1:`, 'g');
  if (!moduleKey.test(glue)) throw new Error(`the glue does not provide the import module ${module}`);
  glue = glue.replace(moduleKey, `${JSON.stringify(renamedModule)}:`);
  const left = [...imports.keys()].filter((name) => new RegExp(`^\\s+${escape(name)}:`, 'm').test(glue));
  const provided = [...glue.matchAll(/^\s+([\w$]+): function\b/gm)].map((m) => m[1]);
  const renamed = new Set(imports.values());
  const missing = [...renamed].filter((to) => !provided.includes(to));
  if (left.length || missing.length) {
    throw new Error(`imports not renamed in the glue: ${left.join(', ')}; not provided: ${missing.join(', ')}`);
  }
  writeFileSync(gluePath, glue);

  // The declarations of the raw exports (InitOutput and ferry_upload_bg.wasm.d.ts).
  for (const file of ['ferry_upload.d.ts', 'ferry_upload_bg.wasm.d.ts']) {
    const p = join(pkgDir, file);
    const text = readFileSync(p, 'utf8').replace(/^(\s*(?:readonly|export const) )([\w$]+):/gm,
      (whole, head, name) => (exports.has(name) ? `${head}${exports.get(name)}:` : whole));
    writeFileSync(p, text);
  }
  return { imports: imports.size, exports: exports.size };
}

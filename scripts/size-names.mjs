// Where the wasm's bytes go (`npm run size -- --names`): the release build as wasm-bindgen
// left it (scripts/build.mjs keeps that copy, with its function names, in
// target/wasm-pkg/named/), optimised with the same `wasm-opt -Oz` plus `-g` so the names
// survive, then measured with twiggy (crates.io, installed by scripts/setup.sh). Each item's
// own bytes (twiggy's shallow size, before compression) are summed by the crate its name
// starts with, and ferry's by module. Deterministic for one toolchain: the same commit gives
// the same table. It builds nothing and installs nothing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { OPTIMIZE } from './wasm-opt.mjs';

/** The crate group of a Rust path's first segment. */
const GROUPS = [
  [/^(core|alloc|std|dlmalloc|compiler_builtins|panic_abort|talc|__rustc|str|char|u8|u16|u32|u64|usize|i32|i64|f64|\[u8\]|\(.*)$/, 'Rust standard library and allocator'],
  [/^(wasm_bindgen|js_sys|web_sys|wasm_bindgen_futures)$/, 'wasm-bindgen, js-sys, web-sys, wasm-bindgen-futures'],
  [/^(futures|futures_\w+|gloo_timers|pin_project_lite|slab)$/, 'futures, gloo-timers'],
  [/^(rexie|idb|indexmap|hashbrown|tokio|thiserror|num_traits)$/, 'IndexedDB: rexie, idb, indexmap, hashbrown, tokio'],
  [/^(serde|serde_core|serde_wasm_bindgen)$/, 'serde, serde-wasm-bindgen'],
];

/** The path a demangled name belongs to: `<A as B>::f` is A's, `drop_in_place<T>` is T's. */
function owner(name) {
  let n = name.trim();
  for (;;) {
    // Generic plumbing is charged to what it runs: a dropped value, a spawned future.
    const inner = n.match(/^(?:core::ptr::drop_in_place|js_sys::futures::future_to_promise::|wasm_bindgen_futures::spawn_local::)<(.*)>/);
    if (inner) { n = inner[1]; continue; }
    if (n.startsWith('<')) { n = n.slice(1); continue; }
    if (n.startsWith('&')) { n = n.slice(1).replace(/^mut /, ''); continue; }
    if (n.startsWith('dyn ')) { n = n.slice(4); continue; }
    return n;
  }
}

/** The group and, for ferry's own code, the module of one twiggy item. */
function classify(name) {
  if (/^data\[|^data segment/.test(name)) return ['data segments (strings, tables, constants)', null];
  if (/^(import|export|type\[|elem\[|table\[|global\[|memory\[|wasm magic|header|\w+ section headers|"\w+" section headers|"(data|table|module|global|type|import|export|elem|code|function|memory)\b)/.test(name)) return ['imports, exports, types, tables', null];
  if (/__wbg_|__wbindgen|__externref|^wasm_bindgen::| shim|^engine_\w+$|^list_?sessions|^forget_?session/i.test(name)) return ['wasm-bindgen, js-sys, web-sys, wasm-bindgen-futures', null];
  if (/^code\[\d+\]$/.test(name)) return ['unnamed functions', null];
  const path = owner(name);
  const crate = path.startsWith('[u8]') ? 'u8' : path.split(/::|[<>(),\s]/)[0];
  if (crate === 'ferry_upload') {
    const [, layer = '', module = ''] = path.split('::');
    const mod = /^[a-z_0-9]+$/.test(module) ? `${layer}::${module}` : layer;
    return ['ferry (own code)', mod];
  }
  for (const [re, group] of GROUPS) if (re.test(crate)) return [group, null];
  return [`other: ${crate || name.slice(0, 40)}`, null];
}

function table(title, map, total) {
  console.log(`\n| ${title} | bytes | share |`);
  console.log('|---|---:|---:|');
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${k} | ${v.toLocaleString('en-US')} | ${((100 * v) / total).toFixed(1)}% |`);
  }
}

export function breakdown(root) {
  const named = path.join(root, 'target', 'wasm-pkg', 'named', 'ferry_upload_bg.wasm');
  if (!fs.existsSync(named)) {
    console.error(`\n${named} is missing: run node scripts/build.mjs first`);
    process.exitCode = 1;
    return;
  }
  const env = { ...process.env, PATH: `${path.join(root, 'node_modules', '.bin')}:${path.join(os.homedir(), '.cargo', 'bin')}:${process.env.PATH}` };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-names-'));
  const optimised = path.join(tmp, 'named.wasm');
  try {
    execFileSync('wasm-opt', [...OPTIMIZE, '-g', '--strip-producers', named, '-o', optimised], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const csv = execFileSync('twiggy', ['top', '-n', '1000000', '--format', 'csv', optimised], { env, encoding: 'utf8', maxBuffer: 256 << 20 });
    const groups = new Map();
    const modules = new Map();
    let total = 0;
    for (const line of csv.split('\n').slice(1)) {
      // Name,ShallowSize,...: a name holding commas or quotes is quoted, its quotes doubled.
      const m = line.match(/^(?:"((?:[^"]|"")*)"|([^,]*)),(\d+),/);
      if (!m) continue;
      // v0 mangling keeps each crate's disambiguator (`ferry_upload[b86e...]`): not part of the name.
      const name = (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]).replace(/\[[0-9a-f]{13,16}\]/g, '');
      if (/"function names" subsection|^custom section|^name\[|^producers/.test(name)) continue; // names, not shipped
      const size = Number(m[3]);
      const [group, mod] = classify(name);
      groups.set(group, (groups.get(group) ?? 0) + size);
      if (mod) modules.set(mod, (modules.get(mod) ?? 0) + size);
      total += size;
    }
    console.log(`\nWhere the wasm's ${total.toLocaleString('en-US')} bytes go (before compression; twiggy over wasm-opt -Oz -g):`);
    table('group', groups, total);
    table('ferry module', modules, total);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

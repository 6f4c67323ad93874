// Reports the bytes an app downloads for ferry, raw / gzip -9 / brotli (quality 11), as a
// markdown table: the JS reachable from `createUpload` bundled and minified with esbuild (what
// loads before the first start(), and the total with the lazily imported wasm glue) and
// dist/wasm/ferry_upload_bg.wasm; beside them, what loads before start() for an app that
// records (`ferry-upload/recording`). Then checks them against size-budget.json: a figure above
// its recorded byte count is a regression and fails. Also fails if the wasm embeds machine
// paths (the repo's absolute path, /root/, .cargo/registry) or links float formatting.
// It does not build: run `node scripts/build.mjs` first (`npm run size` does).
//
//   node scripts/size.mjs                  the table and the checks
//   node scripts/size.mjs --names          also where the wasm's bytes go, by crate and module
//                                          (scripts/size-names.mjs; twiggy from setup.sh)
//   node scripts/size.mjs --update-budget  records the figures of this build in size-budget.json
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { breakdown } from './size-names.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'index.js');
const wasmFile = path.join(root, 'dist', 'wasm', 'ferry_upload_bg.wasm');
const budgetFile = path.join(root, 'size-budget.json');
// Which toolchain built the wasm (scripts/build.mjs writes it): the budget holds for the pinned one.
const builtWith = path.join(root, 'target', 'wasm-pkg', 'toolchain.txt');
const args = process.argv.slice(2);

/** What `import { createUpload } from <file>` pulls in, bundled as an app would: its JS files. */
async function bundleOf(file) {
  const bundle = await esbuild.build({
  stdin: { contents: `export { createUpload } from ${JSON.stringify(file)};`, resolveDir: root, loader: 'js' },
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true, // the dynamic import of the glue becomes its own chunk, as in an app
  platform: 'browser',
  target: 'es2022',
  outdir: path.join(os.tmpdir(), 'ferry-size'), // not written: write is false
  write: false,
  logLevel: 'error',
  });
  const js = bundle.outputFiles.filter((f) => f.path.endsWith('.js'));
  return { js, stub: js.find((f) => path.basename(f.path) === 'stdin.js') };
}
// An app that uploads files: what `import { createUpload } from 'ferry-upload'` pulls in.
const { js, stub } = await bundleOf(entry);
// An app that records: `ferry-upload/recording` (its own row, not part of the total).
const recording = await bundleOf(path.join(root, 'dist', 'recording.js'));
const wasm = fs.readFileSync(wasmFile);

function sizes(buf) {
  // Compress each file on its own (as a server would) and add up the results.
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}
const sum = (...list) => list.reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli }));

const measured = {
  stub: sizes(Buffer.from(stub.contents)),
  recordingStub: sizes(Buffer.from(recording.stub.contents)),
  js: sum(...js.map((f) => sizes(Buffer.from(f.contents)))),
  wasm: sizes(wasm),
};
measured.total = sum(measured.js, measured.wasm);
const rows = [
  ['stub', 'JS before the first start() (`createUpload` and what it imports)'],
  ['recordingStub', 'the same for an app that records (`createUpload` of `ferry-upload/recording`; not in the total)'],
  ['js', `JS total (that + the lazily imported wasm glue, ${js.length} files)`],
  ['wasm', 'wasm (`ferry_upload_bg.wasm`)'],
  ['total', '**total** (JS total + wasm)'],
];
const fmt = (n) => n.toLocaleString('en-US');
console.log('| what | raw bytes | gzip -9 | brotli 11 |');
console.log('|---|---:|---:|---:|');
for (const [key, what] of rows) {
  const s = measured[key];
  console.log(`| ${what} | ${fmt(s.raw)} | ${fmt(s.gzip)} | ${fmt(s.brotli)} |`);
}

let failed = false;
// Machine paths in the wasm leak where it was built (panic locations embed them).
const leaks = [root, '/root/', '.cargo/registry'].filter((s) => wasm.includes(Buffer.from(s)));
if (leaks.length) {
  console.error(`\nthe wasm contains machine paths: ${leaks.join(', ')}`);
  failed = true;
}
// Float formatting (core::fmt for f32/f64) is several KB; its literal "NaN" gives it away.
if (wasm.includes(Buffer.from('NaN'))) {
  console.error('\nthe wasm links float formatting (it contains "NaN"): format integers instead');
  failed = true;
}

// The budget: exact byte counts of the last accepted build, and the targets.
const budget = JSON.parse(fs.readFileSync(budgetFile, 'utf8'));
const toolchain = fs.existsSync(builtWith) ? fs.readFileSync(builtWith, 'utf8').trim() : 'unknown';
if (args.includes('--update-budget')) {
  budget.toolchain = toolchain;
  budget.recorded = Object.fromEntries(rows.map(([key]) => [key, measured[key]]));
  fs.writeFileSync(budgetFile, `${JSON.stringify(budget, null, 2)}\n`);
  console.log(`\nsize-budget.json now records this build (${toolchain})`);
} else if (toolchain !== budget.toolchain) {
  console.log(`\nbudget not checked: the wasm was built with ${toolchain}, the budget is for ${budget.toolchain}`);
} else {
  const over = [];
  for (const [key, what] of rows) {
    for (const unit of ['raw', 'gzip', 'brotli']) {
      const have = measured[key][unit];
      const max = budget.recorded[key]?.[unit] ?? Infinity;
      if (have > max) over.push(`${what.replace(/\*\*/g, '')}, ${unit}: ${fmt(have)} > ${fmt(max)} (+${fmt(have - max)})`);
    }
  }
  for (const o of over) console.error(`over budget: ${o}`);
  console.log(over.length
    ? '\nsize regressed (above); if the bytes are worth it, record them with `npm run size -- --update-budget`'
    : '\nwithin size-budget.json');
  failed ||= over.length > 0;
}
for (const [key, unit, limit] of budget.targets) {
  const have = measured[key][unit];
  console.log(`target ${key} ${unit} <= ${fmt(limit)}: ${fmt(have)} ${have <= limit ? 'met' : `NOT met (${fmt(have - limit)} over)`}`);
}

if (args.includes('--names')) breakdown(root);
process.exit(failed ? 1 : 0);

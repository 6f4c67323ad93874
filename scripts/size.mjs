// Reports the bytes an app downloads for ferry: dist/index.js bundled and minified with
// esbuild (the entry stub, and the total including the lazily imported wasm glue) and
// dist/wasm/ferry_upload_bg.wasm, raw / gzip -9 / brotli (quality 11), as a markdown table.
// Exits 1 if the wasm embeds machine paths (the repo's absolute path, /root/, .cargo/registry)
// or links float formatting.
// It does not build: run `node scripts/build.mjs` first (`npm run size` does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'index.js');
const wasmFile = path.join(root, 'dist', 'wasm', 'ferry_upload_bg.wasm');

const bundle = await esbuild.build({
  entryPoints: [entry],
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
const stub = js.find((f) => path.basename(f.path) === 'index.js');
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

const stubSize = sizes(Buffer.from(stub.contents));
const jsSize = sum(...js.map((f) => sizes(Buffer.from(f.contents))));
const wasmSize = sizes(wasm);
const rows = [
  ['JS entry stub (`index.js`, loaded on import)', stubSize],
  [`JS total (stub + lazily imported wasm glue, ${js.length} files)`, jsSize],
  ['wasm (`ferry_upload_bg.wasm`)', wasmSize],
  ['**total** (JS total + wasm)', sum(jsSize, wasmSize)],
];
const fmt = (n) => n.toLocaleString('en-US');
console.log('| what | raw bytes | gzip -9 | brotli 11 |');
console.log('|---|---:|---:|---:|');
for (const [what, s] of rows) console.log(`| ${what} | ${fmt(s.raw)} | ${fmt(s.gzip)} | ${fmt(s.brotli)} |`);

// Machine paths in the wasm leak where it was built (panic locations embed them).
const leaks = [root, '/root/', '.cargo/registry'].filter((s) => wasm.includes(Buffer.from(s)));
if (leaks.length) {
  console.error(`\nthe wasm contains machine paths: ${leaks.join(', ')}`);
  process.exit(1);
}
// Float formatting (core::fmt for f32/f64) is several KB; its literal "NaN" gives it away.
if (wasm.includes(Buffer.from('NaN'))) {
  console.error('\nthe wasm links float formatting (it contains "NaN"): format integers instead');
  process.exit(1);
}

// Test pages bundled from an entry module: esbuild bundles `entry` against the built package
// (dist/, through the package's own exports, e.g. `ferry-upload/react`, `ferry-upload/uppy`)
// into <tmp>/www/app.js (and app.css when the entry imports CSS), copies the .wasm next to it,
// writes an index.html and serves the folder with a real @tus/server at /files/ from one origin
// (tests/support/serve.mjs). It builds nothing else, asserts nothing and mocks nothing.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { startServer } from './serve.mjs';
import { ROOT } from './util.mjs';

/**
 * Bundles `entry` and serves it; resolves to `{ srv, tmp, close() }`.
 *   alias    esbuild aliases (e.g. another React installed elsewhere)
 *   workers  module workers bundled the same way: { 'worker.js': 'tests/queue/worker.js' }
 *   body     the page's markup before the script (default `<div id="root"></div>`)
 */
export async function serveBundle(entry, { title = 'ferry test', alias = {}, workers = {}, body = '<div id="root"></div>' } = {}) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is not built: run `node scripts/build.mjs` first');
  }
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-page-'));
  const www = path.join(tmp, 'www');
  await fsp.mkdir(www);
  const common = { bundle: true, format: 'esm', absWorkingDir: ROOT, logLevel: 'warning', sourcemap: 'inline', alias };
  await esbuild.build({
    ...common,
    entryPoints: [entry],
    outfile: path.join(www, 'app.js'),
    jsx: 'automatic',
    // React in development mode, so StrictMode double-runs effects.
    define: { 'process.env.NODE_ENV': '"development"' },
  });
  for (const [out, source] of Object.entries(workers)) {
    await esbuild.build({ ...common, entryPoints: [source], outfile: path.join(www, out) });
  }
  // The glue asks for new URL('ferry_upload_bg.wasm', import.meta.url): next to app.js.
  await fsp.copyFile(path.join(ROOT, 'dist', 'wasm', 'ferry_upload_bg.wasm'), path.join(www, 'ferry_upload_bg.wasm'));
  const css = fs.existsSync(path.join(www, 'app.css')) ? '<link rel="stylesheet" href="app.css">' : '';
  await fsp.writeFile(path.join(www, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>${title}</title>${css}${body}<script type="module" src="app.js"></script>\n`);
  const srv = await startServer({ port: 0, root: tmp, dataDir: path.join(tmp, 'uploads') });
  return {
    srv,
    tmp,
    async close() {
      await srv.close();
      await fsp.rm(tmp, { recursive: true, force: true });
    },
  };
}

// Node-side harness for the browser tests of the React hooks and the upload queue: bundles a
// test page (an entry module of tests/react or tests/queue) with esbuild against the built
// package (dist/, through the package's own exports), copies the .wasm next to the bundle,
// serves it from one origin with a real @tus/server (scripts/serve.mjs) and opens it in a
// headless browser. No assertions live here, and nothing is mocked.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { startServer } from '../../scripts/serve.mjs';
import { launchPuppeteer as launch } from '../support/browsers.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Bundles `entry` into <tmp>/www/ (React in development mode, so StrictMode double-runs
 * effects; the repo's React, or the one installed under `reactDir`), starts the server with
 * that folder as its static root and returns `{ srv, tmp, close() }`.
 */
export async function servePage(entry, { title = 'ferry test', reactDir = null, workers = {} } = {}) {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'react.js'))) {
    throw new Error('dist/ is not built: run `node scripts/build.mjs` first');
  }
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-page-'));
  const www = path.join(tmp, 'www');
  await fsp.mkdir(www);
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    outfile: path.join(www, 'app.js'),
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"development"' },
    absWorkingDir: ROOT,
    logLevel: 'warning',
    sourcemap: 'inline',
    // Another React (e.g. 18, the oldest the peer range allows) installed in `reactDir`.
    alias: reactDir
      ? { react: path.join(reactDir, 'node_modules', 'react'), 'react-dom': path.join(reactDir, 'node_modules', 'react-dom') }
      : {},
  });
  // Module workers, bundled the same way: { 'worker.js': 'tests/queue/worker.js' }.
  for (const [out, source] of Object.entries(workers)) {
    await esbuild.build({
      entryPoints: [source], bundle: true, format: 'esm', outfile: path.join(www, out),
      absWorkingDir: ROOT, logLevel: 'warning', sourcemap: 'inline',
    });
  }
  // The glue asks for new URL('ferry_upload_bg.wasm', import.meta.url): next to app.js.
  await fsp.copyFile(path.join(ROOT, 'dist', 'wasm', 'ferry_upload_bg.wasm'), path.join(www, 'ferry_upload_bg.wasm'));
  await fsp.writeFile(path.join(www, 'index.html'),
    `<!doctype html><meta charset="utf-8"><title>${title}</title><div id="root"></div><script type="module" src="app.js"></script>\n`);
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

/** Opens the served page in `browser`; waits for `window.harness`. Collects page errors. */
export async function openPage(browser, srv) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  await page.goto(srv.url);
  await page.waitForFunction(() => Boolean(window.harness), { polling: 50, timeout: 20_000 }).catch((err) => {
    throw new Error(`the test page did not load: ${errors.join('; ') || err.message}`);
  });
  page.errors = errors;
  return page;
}

export { launch };

/** The stored file of an upload URL (FileStore names it by the URL's last segment). */
export function storedPath(srv, uploadUrl) {
  return path.join(srv.dataDir, decodeURIComponent(new URL(uploadUrl).pathname.split('/').filter(Boolean).pop()));
}

/** Polls `fn` in the page until it returns a truthy value; returns that value. */
export async function until(page, fn, arg, timeout = 30_000) {
  const handle = await page.waitForFunction(fn, { polling: 20, timeout }, arg);
  return handle.jsonValue();
}

/**
 * Installs `react@<major>` and `react-dom@<major>` into a temp dir (from the npm cache when
 * it has them) for bundling the page against another React; returns the dir.
 */
export async function installReact(major) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `ferry-react${major}-`));
  await fsp.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'react-under-test', private: true }));
  const { execFileSync } = await import('node:child_process');
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error',
    `react@${major}`, `react-dom@${major}`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return dir;
}

// Node-side harness for the browser tests of the React hooks and the upload queue: bundles a
// test page (an entry module of tests/react or tests/queue) with esbuild against the built
// package (dist/, through the package's own exports), copies the .wasm next to the bundle,
// serves it from one origin with a real @tus/server (tests/support/serve.mjs) and opens it in a
// headless browser. No assertions live here, and nothing is mocked.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { serveBundle } from '../support/bundle.mjs';
import { launchPuppeteer as launch } from '../support/browsers.mjs';

export { ROOT } from '../support/util.mjs';

/**
 * Bundles `entry` into a served page (tests/support/bundle.mjs): React in development mode, the
 * repo's React or the one installed under `reactDir`. Resolves to `{ srv, tmp, close() }`.
 */
export function servePage(entry, { title = 'ferry test', reactDir = null, workers = {} } = {}) {
  // Another React (e.g. 18, the oldest the peer range allows) installed in `reactDir`.
  const alias = reactDir
    ? { react: path.join(reactDir, 'node_modules', 'react'), 'react-dom': path.join(reactDir, 'node_modules', 'react-dom') }
    : {};
  return serveBundle(entry, { title, alias, workers });
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

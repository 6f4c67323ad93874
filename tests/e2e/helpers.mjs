// Node-side helpers for the end-to-end tests and the benchmark: launch the two headless
// browsers with puppeteer-core, write random files, hash files, pick a file in the fixture
// page and run the page's upload harness. No assertions and no servers live here.
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';


export { BROWSERS, launchBrowser as launch } from '../../scripts/browsers.mjs';

/** Writes `size` random bytes to `file`; resolves to their SHA-256 (hex). */
export async function writeRandomFile(file, size) {
  const hash = crypto.createHash('sha256');
  const out = await fsp.open(file, 'w');
  try {
    const block = Buffer.allocUnsafe(16 * 1024 * 1024);
    for (let left = size; left > 0;) {
      const n = Math.min(left, block.length);
      crypto.randomFillSync(block, 0, n);
      const piece = block.subarray(0, n);
      hash.update(piece);
      await out.write(piece);
      left -= n;
    }
  } finally {
    await out.close();
  }
  return hash.digest('hex');
}

/** SHA-256 (hex) of a file on disk, streamed. */
export async function sha256File(file) {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

/** Opens the fixture page (tests/e2e/fixture) of a running startServer() in a new page. */
export async function openFixture(browser, srv) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${srv.url}test/`);
  try {
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', { polling: 50, timeout: 20_000 });
  } catch (err) {
    throw new Error(`the fixture page did not load (is dist/ built?): ${errors.join('; ') || err.message}`);
  }
  return page;
}

/** Picks `file` in the page's <input type=file>, then uploads it with the harness. */
export async function pickAndUpload(page, file, options) {
  const input = await page.$('#file');
  await input.uploadFile(file);
  return page.evaluate((o) => window.ferryTest.upload(o), options);
}

/** The id an upload URL ends with (what FileStore names the stored file). */
export function uploadId(url) {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop());
}

// Drives headless Chromium for the benchmark: launches it the way every browser script of the
// project does (tests/support/browsers.mjs's arguments, puppeteer-core), but with no CDP timeout so a
// long upload can be awaited in one page.evaluate; opens a fresh page of the benchmark page
// (tests/support/page/) per run, picks the file through <input type=file> and runs one client there.
// With `hidden`, another tab is brought in front of it before the client starts (checked:
// the page's visibilityState is 'hidden'). With `sample`, it polls CDP Performance.getMetrics (JS heap) every ~250 ms during the run
// and reads the size of every WebAssembly.Memory at the end (Runtime.queryObjects).
// It does not judge results; it returns what the page saw.
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS } from '../tests/support/browsers.mjs';

export function launchChromium() {
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, protocolTimeout: 0 });
}

/** Opens the benchmark page in `browser` and waits until it is ready. */
export async function openPage(browser, pageUrl) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(pageUrl);
  try {
    await page.waitForFunction(() => document.documentElement.dataset.ready === 'true', { polling: 50, timeout: 30_000 });
  } catch (err) {
    throw new Error(`the benchmark page did not load (is dist/ built?): ${errors.join('; ') || err.message}`);
  }
  return page;
}

/** Sum of the byteLength of every WebAssembly.Memory alive in the page. */
async function wasmMemoryBytes(page) {
  const proto = await page.evaluateHandle(() => WebAssembly.Memory.prototype);
  const list = await page.queryObjects(proto);
  const sizes = await page.evaluate((ms) => ms.map((m) => m.buffer.byteLength), list);
  await Promise.all([proto.dispose(), list.dispose()]);
  return { count: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}

/**
 * Runs `client` ('ferry' | 'tusjs' | 'fetch') with `options` in a fresh page at `pageUrl` on
 * `file`. Resolves to the page's result; with `sample`, also { heap: { baseline, peak,
 * samples }, wasm: { count, bytes } }. Rejects if the upload failed.
 */
export async function runInPage(browser, pageUrl, file, client, options, { sample = false, hidden = false } = {}) {
  const page = await openPage(browser, pageUrl);
  let cover = null;
  try {
    const input = await page.$('#file');
    await input.uploadFile(file);
    await page.bringToFront();
    if (hidden) {
      cover = await browser.newPage();
      await cover.bringToFront();
    }
    const visibility = await page.evaluate(() => document.visibilityState);
    if (visibility !== (hidden ? 'hidden' : 'visible')) throw new Error(`the benchmark page is ${visibility}, expected ${hidden ? 'hidden' : 'visible'}`);
    let heap = null;
    let sampler = null;
    if (sample) {
      const used = async () => (await page.metrics()).JSHeapUsedSize;
      heap = { baseline: await used(), peak: 0, samples: 0 };
      let stop = false;
      sampler = (async () => {
        while (!stop) {
          const v = await used().catch(() => null);
          if (v !== null) { heap.peak = Math.max(heap.peak, v); heap.samples++; }
          await new Promise((r) => setTimeout(r, 250));
        }
      })();
      sampler.stop = () => { stop = true; return sampler; };
    }
    const run = await page.evaluate((c, o) => window.bench[c](o), client, options);
    if (sampler) await sampler.stop();
    if (!run.ok) throw new Error(`${client} ${JSON.stringify(options)} failed: ${run.error}`);
    if (sample) {
      run.heap = heap;
      run.wasm = await wasmMemoryBytes(page);
    }
    return run;
  } finally {
    await cover?.close();
    await page.close();
  }
}

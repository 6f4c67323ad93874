// Node-side helpers of the WebKit end-to-end tests (tests/e2e/webkit/*.test.mjs): start
// WebKitGTK's MiniBrowser through WebKitWebDriver (tests/support/webdriver.mjs), open the e2e
// fixture pages (tests/e2e/fixture/, served by scripts/serve.mjs at /test/), pick a file
// through <input type=file> with Element Send Keys, run the fixtures' upload harnesses and
// poll their records, and count the page's Blob reads. It asserts only that a page loaded and
// holds the picked file; the tests assert everything else. No servers are started here.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { Session, startWebKitDriver, webkitInstalled } from '../../support/webdriver.mjs';

export const MiB = 1024 * 1024;
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts WebKitWebDriver (under xvfb-run) and one session in MiniBrowser. Resolves to
 * { session, driver, relaunch(), close() }; relaunch() ends the session (the browser quits)
 * and creates a new one on the same driver.
 */
export async function launchWebKit() {
  if (!webkitInstalled()) throw new Error('WebKitWebDriver, MiniBrowser or xvfb-run is missing: run `npm run setup`');
  const driver = await startWebKitDriver();
  try {
    const browser = { driver, session: await Session.create(driver.url) };
    browser.version = browser.session.capabilities?.browserVersion;
    browser.relaunch = async () => {
      await browser.session.delete();
      browser.session = await Session.create(driver.url);
      return browser.session;
    };
    browser.close = async () => {
      await browser.session?.delete();
      await driver.stop();
    };
    return browser;
  } catch (err) {
    await driver.stop();
    throw new Error(`${err.message}\nWebKitWebDriver said: ${driver.output().slice(-2000)}`);
  }
}

/** Navigates the current window to `url` and waits for the fixture's data-ready. */
export async function openFixture(session, url) {
  await session.navigate(url);
  try {
    await session.waitFor("document.documentElement.dataset.ready === 'true'", { timeout: 20_000, what: `${url} to load` });
  } catch (err) {
    throw new Error(`the fixture page ${url} did not load (is dist/ built?): ${err.message}`);
  }
}

/** Opens `url` in a new tab and switches to it; returns the tab's handle. */
export async function openTab(session, url) {
  const handle = await session.newWindow('tab');
  await session.switchTo(handle);
  await openFixture(session, url);
  return handle;
}

/**
 * Picks `file` in the page's #file with Element Send Keys, after emptying the input, and
 * checks that the page holds it (its size and first bytes).
 */
export async function pick(session, file) {
  await session.execute("document.getElementById('file').value = '';");
  await session.sendKeys(await session.findElement('#file'), file);
  const seen = await session.evaluate(`(async () => {
    const f = document.getElementById('file').files;
    if (f.length !== 1) return { count: f.length };
    const head = new Uint8Array(await f[0].slice(0, 32).arrayBuffer());
    return { count: 1, size: f[0].size, head: Array.from(head, (b) => b.toString(16).padStart(2, '0')).join('') };
  })()`);
  const { size } = await fsp.stat(file);
  const fh = await fsp.open(file);
  const buf = Buffer.alloc(32);
  const { bytesRead } = await fh.read(buf, 0, 32, 0);
  await fh.close();
  assert.deepEqual(seen, { count: 1, size, head: buf.subarray(0, bytesRead).toString('hex') }, `the page holds ${file}`);
}

/**
 * Counts, in the current page, calls of Blob.prototype.slice and of every whole-blob reader
 * (stream, arrayBuffer, text, bytes) made on blobs of at least `minSize` bytes. Read the
 * counts with blobReads().
 */
export function countBlobReads(session, minSize) {
  return session.execute(`
    const min = arguments[0];
    const counts = { slice: 0, maxSliceEnd: 0, whole: {} };
    window.__blobReads = counts;
    const slice = Blob.prototype.slice;
    Blob.prototype.slice = function (start, end, type) {
      if (this.size >= min) {
        counts.slice++;
        counts.maxSliceEnd = Math.max(counts.maxSliceEnd, end === undefined ? this.size : end);
      }
      return slice.call(this, start, end, type);
    };
    for (const name of ['stream', 'arrayBuffer', 'text', 'bytes']) {
      const original = Blob.prototype[name];
      if (typeof original !== 'function') continue;
      Blob.prototype[name] = function (...args) {
        if (this.size >= min) counts.whole[name] = (counts.whole[name] || 0) + 1;
        return original.apply(this, args);
      };
    }
  `, [minSize]);
}

export function blobReads(session) {
  return session.execute('return window.__blobReads;');
}

// --- tests/e2e/fixture/resume.js: uploads started without awaiting, polled by id ----------

export const startRun = (session, id, options) => session.evaluate('window.ferryResume.start(args[0], args[1])', id, options);
export const getRun = (session, id) => session.evaluate('window.ferryResume.get(args[0])', id);
export const listSessions = (session) => session.evaluate('window.ferryResume.list()');

/** Polls run `id` until `cond(run)` holds; returns the run. */
export async function until(session, id, cond, what, timeout = 150_000, interval = 50) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const run = await getRun(session, id);
    if (run && cond(run)) return run;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(run && { state: run.state, states: run.states, confirmed: run.confirmed, done: run.done, error: run.error, events: run.events.slice(-5) })}`);
    }
    await sleep(interval);
  }
}

/** The id an upload URL ends with (what FileStore names the stored file). */
export function uploadId(url) {
  return decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop());
}

/**
 * The few puppeteer Page methods tests/support/fault-harness.mjs calls ($('#file') then
 * uploadFile, evaluate(fn, arg), waitForFunction(fn, { timeout, polling })), over a WebDriver
 * session, so its page-side upload recorder runs unchanged in WebKit. Functions are sent as
 * their source text: they must not close over Node variables.
 */
export function pageShim(session) {
  const call = (fn, args) => (typeof fn === 'function'
    ? session.evaluate(`(${fn.toString()})(...args)`, ...args)
    : session.evaluate(fn, ...args));
  return {
    async $(selector) {
      await session.findElement(selector);
      return { uploadFile: (file) => pick(session, file) };
    },
    evaluate: (fn, ...args) => call(fn, args),
    async waitForFunction(fn, { timeout = 30_000, polling = 100 } = {}, ...args) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const value = await call(fn, args);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeout} ms`);
        await sleep(polling);
      }
    },
  };
}

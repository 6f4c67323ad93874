// The one page driver every browser test drives, in Chromium, Firefox and WebKit alike:
//   const driver = await launch('webkit', { profile })   // { engine, version, can, why }
//   const page = await driver.open(url)    // a new tab, once the page sets data-ready (or `ready`)
//   await page.pick(file)                   // <input id=file>, checked to hold the file
//   await page.setFiles(target, files, ...args)  // a file input: a selector or fn(...args) -> element
//   await page.evaluate(fn, ...args)        // fn is sent as source: no closures
//   await page.waitFor(fn, { timeout, polling }, ...args)
//   await page.click(target, ...args); await page.select(selector, value); await page.reload()
//   await page.screenshot(file)
//   await page.setOffline(true)             // only where can.offline
//   await page.freeze(true)                 // Page Lifecycle freeze, then resume; only where can.freeze
//   await page.front(); await page.close()
//   await driver.relaunch()                 // quit and start again on the same profile
//   await driver.crash()                    // SIGKILL the browser (no unload), start again on the same profile
//   await driver.close()
// Chromium (CDP) and Firefox (WebDriver BiDi) are driven with puppeteer-core; WebKit, and
// Firefox with { protocol: 'webdriver' } (geckodriver), over classic W3C WebDriver
// (webdriver.mjs), whose session has one current window, so every page command first
// switches to that page's tab, one command at a time.
// What an engine cannot do is a capability (CAPABILITIES), false with its reason, known before
// launching so a test can declare it: test(name, needs(engine, 'offline'), fn) is skipped
// with the reason `can.offline: ...`, which scripts/test.mjs reports and does not count as a
// failure. Nothing here asserts, except that a picked file is the one the page holds.
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import fs from 'node:fs';
import path from 'node:path';
import { ENGINES, WEBDRIVER_ENGINES, launchPuppeteer } from './browsers.mjs';
import { headHex } from './files.mjs';
import { Session, startDriver } from './webdriver.mjs';
import { sleep } from './util.mjs';

const WEBDRIVER_OFFLINE = 'W3C WebDriver has no command to take a browser offline (puppeteer\'s setOfflineMode is CDP/BiDi)';
const WEBDRIVER_FREEZE = 'W3C WebDriver has no command to freeze a page';

/** What each engine can do as these tests drive it; a false one has its reason in `why`. */
export const CAPABILITIES = {
  chromium: { can: { offline: true, freeze: true, keepStorageAcrossRestart: true, fileHandle: true, blobInIndexedDB: true, bigBodies: true, record: true, durableRecording: true }, why: {} },
  firefox: {
    can: { offline: true, freeze: false, keepStorageAcrossRestart: true, fileHandle: false, blobInIndexedDB: true, bigBodies: false, record: true, durableRecording: true },
    why: {
      freeze: 'Firefox has no Page Lifecycle freeze (no freeze or resume events) and WebDriver BiDi no command to stop a page\'s tasks: only the network (setOffline, the proxy) can be taken away, so a sleep is played as silenced connections and an offline-then-online change with the page running (wake.test.mjs)',
      fileHandle: 'Firefox has no showOpenFilePicker: resumeAll() cannot reopen a file after a restart',
      bigBodies: 'under WebDriver BiDi Firefox keeps every request body for the automation (BENCHMARKS.md): uploads of GiBs run over classic WebDriver (geckodriver) instead',
    },
  },
  webkit: {
    can: { offline: false, freeze: false, keepStorageAcrossRestart: false, fileHandle: false, blobInIndexedDB: false, bigBodies: true, record: false, durableRecording: false },
    why: {
      offline: WEBDRIVER_OFFLINE,
      freeze: `${WEBDRIVER_FREEZE}, and WebKit has no Page Lifecycle freeze (no freeze or resume events)`,
      keepStorageAcrossRestart: 'MiniBrowser under --automation keeps website data only for its session (ephemeral): nothing survives a quit',
      fileHandle: 'WebKitGTK 2.50 ships the Storage API switched off: no showOpenFilePicker, no origin-private file system',
      blobInIndexedDB: 'the ephemeral website data store of an automation session refuses Blobs in IndexedDB (UnknownError)',
      record: 'WebKitGTK 2.50 here cannot record: MediaRecorder supports none of video/webm and video/mp4 (isTypeSupported), and new MediaRecorder() throws NotSupportedError "The MediaRecorder is unsupported on this platform"',
      durableRecording: 'no origin-private file system (Storage API off) and no Blobs in IndexedDB under automation: a recording is buffered in memory (storage_unavailable), so a closed tab loses it',
    },
  },
};

/** The engines to run: all three, or those named in FERRY_ENGINES (comma-separated). */
export function engines() {
  const only = process.env.FERRY_ENGINES?.split(',').filter(Boolean);
  return only?.length ? ENGINES.filter((e) => only.includes(e)) : ENGINES;
}

/** Test options that skip a test, with the capability's reason, where `engine` lacks `cap`. */
export function needs(engine, cap, options = {}) {
  const { can, why } = CAPABILITIES[engine];
  return can[cap] ? options : { ...options, skip: `can.${cap}: ${why[cap]}` };
}

/** Launches `engine`; `profile` (a directory) keeps its storage across relaunch(). */
export async function launch(engine, { profile, protocol } = {}) {
  const overWebDriver = engine === 'webkit' || protocol === 'webdriver';
  const driver = overWebDriver ? new WebDriverBrowser(engine) : new PuppeteerBrowser(engine, profile);
  Object.assign(driver, structuredClone(CAPABILITIES[engine]), { engine });
  if (overWebDriver && engine === 'firefox') Object.assign(driver.can, { offline: false, keepStorageAcrossRestart: false, bigBodies: true });
  if (overWebDriver && engine === 'firefox') Object.assign(driver.why, { offline: WEBDRIVER_OFFLINE, keepStorageAcrossRestart: 'geckodriver starts every session on a new profile' });
  if (!overWebDriver && !profile) Object.assign(driver.can, { keepStorageAcrossRestart: false });
  if (!overWebDriver && !profile) driver.why.keepStorageAcrossRestart = 'launched without a profile directory';
  await driver.start();
  return driver;
}

const READY = () => document.documentElement.dataset.ready === 'true';

/** What the page's #file holds: { count, size, head } (the first 32 bytes as hex). */
async function pickedFile() {
  const f = document.getElementById('file').files;
  if (f.length !== 1) return { count: f.length };
  const head = new Uint8Array(await f[0].slice(0, 32).arrayBuffer());
  return { count: 1, size: f[0].size, head: Array.from(head, (b) => b.toString(16).padStart(2, '0')).join('') };
}

/** The shared half of a page: pick(), select() and the load wait, over the engine's own calls. */
class Page {
  async load(url, ready) {
    await this.goto(url);
    try {
      await this.waitFor(ready, { timeout: 20_000, polling: 50 });
    } catch (err) {
      throw new Error(`the page ${url} did not load (is dist/ built?): ${this.errors.join('; ') || err.message}`);
    }
    return this;
  }

  /** Picks `file` in #file (emptied first: Firefox keeps a file of the same name otherwise). */
  async pick(file) {
    await this.evaluate(() => { document.getElementById('file').value = ''; });
    await this.setFiles('#file', [file]);
    const { size } = await fsp.stat(file);
    assert.deepEqual(await this.evaluate(pickedFile), { count: 1, size, head: await headHex(file) }, `the page holds ${file}`);
  }

  /** Chooses `value` in the <select> `selector` as a user would (input and change events). */
  async select(selector, value) {
    const chosen = await this.evaluate((s, v) => {
      const el = document.querySelector(s);
      el.value = v;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
      return el.value;
    }, selector, value);
    assert.equal(chosen, value, `${selector} offers ${value}`);
  }
}

/** A CSS selector as a function of the page that finds the element. */
const finder = (target) => (typeof target === 'function' ? target : `(s) => document.querySelector(s)`);

class PuppeteerPage extends Page {
  constructor(page) {
    super();
    this.page = page;
    this.errors = [];
    page.on('pageerror', (err) => this.errors.push(err.message));
  }

  goto(url) { return this.page.goto(url); }
  reload() { return this.page.reload(); }
  screenshot(file) { return this.page.screenshot({ path: file, fullPage: true }); }
  async element(target, args) {
    const handle = typeof target === 'function' ? await this.page.evaluateHandle(target, ...args) : await this.page.$(target);
    const el = handle?.asElement();
    assert.ok(el, `the page has ${target}`);
    return el;
  }

  async setFiles(target, files, ...args) { await (await this.element(target, args)).uploadFile(...files); }
  async click(target, ...args) { await (await this.element(target, args)).click(); }
  evaluate(fn, ...args) { return this.page.evaluate(fn, ...args); }
  async waitFor(fn, { timeout = 30_000, polling = 100 } = {}, ...args) {
    const handle = await this.page.waitForFunction(fn, { timeout, polling }, ...args);
    const value = await handle.jsonValue();
    await handle.dispose();
    return value;
  }

  setOffline(on) { return this.page.setOfflineMode(on); }
  /** Freezes the page (no tasks, no timers; `freeze` fires) or resumes it (`resume` fires): CDP only. */
  async freeze(on) {
    this.cdp ??= await this.page.createCDPSession();
    await this.cdp.send('Page.setWebLifecycleState', { state: on ? 'frozen' : 'active' });
  }
  front() { return this.page.bringToFront(); }
  close() { return this.page.close(); }
}

class PuppeteerBrowser {
  constructor(engine, profile) {
    this.engine = engine;
    this.profile = profile;
  }

  async start() {
    this.browser = await launchPuppeteer(this.engine, { userDataDir: this.profile });
    this.version = await this.browser.version();
  }

  async open(url, { ready = READY } = {}) { return new PuppeteerPage(await this.browser.newPage()).load(url, ready); }

  async relaunch() {
    await this.browser.close();
    await this.start();
  }

  /**
   * A hard crash: SIGKILL to the browser's process group (the browser and its helpers, all
   * started by launch(): no unload, no pagehide, nothing flushed), then a start on the same
   * profile, as after a power cut or an OOM kill.
   */
  async crash() {
    const proc = this.browser.process();
    const exited = proc.exitCode === null ? new Promise((resolve) => proc.once('exit', resolve)) : null;
    try { process.kill(-proc.pid, 'SIGKILL'); } catch { proc.kill('SIGKILL'); }
    await exited;
    await this.browser.disconnect().catch(() => {});
    // puppeteer restores Firefox's user.js and prefs.js from their `.puppeteer` backups when
    // the process exits; a start before that is done races it (and finds user.js missing).
    for (let i = 0; i < 100 && ['user.js', 'prefs.js'].some((f) => fs.existsSync(path.join(this.profile, `${f}.puppeteer`))); i++) await sleep(50);
    await this.start();
  }

  async close() { await this.browser?.close(); }
}

class WebDriverPage extends Page {
  constructor(browser, handle) {
    super();
    this.browser = browser;
    this.handle = handle;
    this.errors = [];
  }

  /** Runs `fn(session)` with this page's tab current, after every command queued before. */
  run(fn) {
    const b = this.browser;
    const next = b.queue.then(async () => {
      if (b.current !== this.handle) {
        await b.session.switchTo(this.handle);
        b.current = this.handle;
      }
      return fn(b.session);
    });
    b.queue = next.catch(() => {});
    return next;
  }

  goto(url) { return this.run((s) => s.navigate(url)); }
  reload() { return this.run((s) => s.cmd('POST', '/refresh', {})); }
  screenshot(file) { return this.run(async (s) => fsp.writeFile(file, Buffer.from(await s.cmd('GET', '/screenshot'), 'base64'))); }
  /** The WebDriver id of the element `target` (a selector, or fn(...args) -> element) finds. */
  async element(s, target, args) {
    const found = await s.execute(`return (${finder(target)})(...arguments);`, typeof target === 'function' ? args : [target]);
    const id = found && Object.values(found)[0];
    assert.ok(id, `the page has ${target}`);
    return id;
  }

  setFiles(target, files, ...args) { return this.run(async (s) => s.sendKeys(await this.element(s, target, args), files.join('\n'))); }
  click(target, ...args) { return this.run(async (s) => s.cmd('POST', `/element/${await this.element(s, target, args)}/click`, {})); }
  evaluate(fn, ...args) { return this.run((s) => s.evaluate(`(${fn})(...args)`, ...args)); }
  async waitFor(fn, { timeout = 30_000, polling = 100 } = {}, ...args) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(fn, ...args);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`waitFor timed out after ${timeout} ms: ${fn}`);
      await sleep(polling);
    }
  }

  async setOffline() { throw new Error(`can.offline: ${this.browser.why.offline}`); }
  async freeze() { throw new Error(`can.freeze: ${this.browser.why.freeze}`); }
  front() { return this.run(() => {}); }

  /** Closes the tab; the last one is navigated away instead (a session needs a window). */
  close() {
    return this.run(async (s) => {
      if ((await s.windowHandles()).length > 1) {
        await s.closeWindow();
        this.browser.current = null;
      } else {
        await s.navigate('about:blank');
        this.browser.spare = this.handle;
      }
    });
  }
}

class WebDriverBrowser {
  constructor(engine) {
    this.engine = engine;
    this.queue = Promise.resolve();
  }

  async start() {
    this.driver = await startDriver(this.engine);
    try {
      await this.newSession();
    } catch (err) {
      await this.driver.stop();
      throw new Error(`${err.message}\nthe driver said: ${this.driver.output().slice(-2000)}`);
    }
  }

  async newSession() {
    this.session = await Session.create(this.driver.url, WEBDRIVER_ENGINES[this.engine].capabilities());
    this.version = `${this.engine}/${this.session.capabilities?.browserVersion}`;
    this.current = await this.session.windowHandle();
    this.spare = this.current; // the window a new session opens with, not yet a page's
  }

  async open(url, { ready = READY } = {}) {
    let handle = this.spare;
    this.spare = null;
    if (!handle) {
      const p = this.queue.then(() => this.session.newWindow('tab'));
      this.queue = p.catch(() => {});
      handle = await p;
    }
    return new WebDriverPage(this, handle).load(url, ready);
  }

  async relaunch() {
    await this.queue;
    await this.session.delete();
    await this.newSession();
  }

  async crash() { throw new Error(`can.keepStorageAcrossRestart: ${this.why.keepStorageAcrossRestart}`); }

  async close() {
    await this.session?.delete();
    await this.driver?.stop();
  }
}

// A minimal W3C WebDriver client: for WebKit (WebKitGTK's MiniBrowser driven by Debian's
// WebKitWebDriver), which puppeteer cannot drive, and for Firefox over classic WebDriver
// (geckodriver), whose request bodies, unlike under BiDi, are not kept by the automation.
// startDriver() runs a driver of tests/support/browsers.mjs's WEBDRIVER_ENGINES on a free
// 127.0.0.1 port through process.mjs's supervisor (its own process group, stopped by its PID).
// A session can navigate, find elements, type into them (a file path into <input type=file>
// picks that file), run sync and async scripts, and open, switch and close windows (tabs).
//
// It does not assert anything, implement WebDriver BiDi, actions, cookies or screenshots, or
// ever touch processes it did not start. Under --automation MiniBrowser's website data is
// ephemeral (see README, browser support).
import { WEBDRIVER_ENGINES, missingPrograms } from './browsers.mjs';
import { startProcess } from './process.mjs';
import { freePort, sleep } from './util.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class WebDriverError extends Error {
  constructor(status, value, what) {
    super(`${what}: ${value?.error ?? `HTTP ${status}`}: ${value?.message ?? JSON.stringify(value)}`);
    this.status = status;
    this.error = value?.error;
  }
}

/** One W3C WebDriver command; resolves to the answer's `value`. */
async function command(base, method, path, body, timeoutMs = 120_000) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    const res = await fetch(base + path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctrl.signal,
    });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new WebDriverError(res.status, { message: text.slice(0, 500) }, `${method} ${path}`); }
    // W3C errors are non-2xx answers whose value is { error, message, stacktrace }.
    if (!res.ok) {
      throw new WebDriverError(res.status, json.value, `${method} ${path}`);
    }
    return json.value;
  } catch (err) {
    if (err.name === 'AbortError') throw new Error(`${method} ${path}: no answer within ${timeoutMs} ms`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the WebDriver server of `engine` ('webkit' or 'firefox') on a free 127.0.0.1 port
 * and waits until it answers /status (`attempts` tries, each on a new port). Resolves to
 * { url, pid, output(), stop() }; stop() signals only the process group it started (the
 * driver and every browser it runs).
 */
export async function startDriver(engine, { attempts = 3 } = {}) {
  const { program, argsFor } = WEBDRIVER_ENGINES[engine];
  const missing = missingPrograms(engine);
  if (missing.length) throw new Error(`${missing.join(', ')} missing: run \`npm run setup\``);
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    try {
      const proc = await startProcess(`${engine} WebDriver`, program, argsFor(port), {
        group: true, graceMs: 5000, timeoutMs: 20_000, ready: () => command(url, 'GET', '/status', undefined, 2000),
      });
      return { url, pid: proc.pid, output: proc.output, stop: () => proc.stop() };
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}

/** A W3C WebDriver session. */
export class Session {
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }

  /** POST /session with `alwaysMatch` capabilities. */
  static async create(driverUrl, alwaysMatch) {
    const value = await command(driverUrl, 'POST', '/session', { capabilities: { alwaysMatch, firstMatch: [{}] } }, 60_000);
    const session = new Session(driverUrl, value.sessionId, value.capabilities);
    await session.setTimeouts({ script: 120_000, pageLoad: 60_000, implicit: 0 });
    return session;
  }

  cmd(method, path, body, timeoutMs) {
    return command(this.base, method, `/session/${this.id}${path}`, body, timeoutMs);
  }

  setTimeouts(t) { return this.cmd('POST', '/timeouts', t); }
  navigate(url) { return this.cmd('POST', '/url', { url }); }
  title() { return this.cmd('GET', '/title'); }

  /** The element id of the first match of a CSS selector. */
  async findElement(selector) {
    const value = await this.cmd('POST', '/element', { using: 'css selector', value: selector });
    return value[ELEMENT];
  }

  /** Element Send Keys; for <input type=file> `text` is a file path (several: joined by \n). */
  sendKeys(elementId, text) { return this.cmd('POST', `/element/${elementId}/value`, { text }); }
  clear(elementId) { return this.cmd('POST', `/element/${elementId}/clear`, {}); }

  /** Runs `script` (a function body; `arguments` are `args`) and returns its value. */
  execute(script, args = []) { return this.cmd('POST', '/execute/sync', { script, args }); }

  /**
   * Runs `script` as an async script: the function body gets `args` then a callback as its
   * last argument, and the call resolves to what it passes that callback.
   */
  executeAsync(script, args = [], timeoutMs = 130_000) { return this.cmd('POST', '/execute/async', { script, args }, timeoutMs); }

  /**
   * Awaits `expression` (JS text that may use `args`) in the page. A rejection comes back as
   * an Error with the page's message instead of a script timeout.
   */
  async evaluate(expression, ...args) {
    const out = await this.executeAsync(
      `const done = arguments[arguments.length - 1]; const args = Array.prototype.slice.call(arguments, 0, -1);
       Promise.resolve().then(() => (${expression})).then(
         (value) => done({ ok: true, value: value === undefined ? null : value }),
         (err) => done({ ok: false, error: String(err && (err.stack || err.message) || err) }));`,
      args,
    );
    if (!out || !out.ok) throw new Error(`in the page: ${out?.error ?? JSON.stringify(out)}`);
    return out.value;
  }

  /** Polls `expression` in the page every `interval` ms until it is truthy; returns its value. */
  async waitFor(expression, { timeout = 20_000, interval = 50, what = expression } = {}, ...args) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const value = await this.evaluate(expression, ...args);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
      await sleep(interval);
    }
  }

  windowHandle() { return this.cmd('GET', '/window'); }
  windowHandles() { return this.cmd('GET', '/window/handles'); }
  /** Opens a new tab (or window) and returns its handle; it does not switch to it. */
  async newWindow(type = 'tab') { return (await this.cmd('POST', '/window/new', { type })).handle; }
  switchTo(handle) { return this.cmd('POST', '/window', { handle }); }
  /** Closes the current window; returns the handles left. Switch to one of them next. */
  closeWindow() { return this.cmd('DELETE', '/window'); }

  /** Ends the session (the driver quits the browser). */
  async delete() {
    try { await this.cmd('DELETE', '', undefined, 20_000); } catch { /* the driver may already be gone */ }
  }
}

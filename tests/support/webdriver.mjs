// A minimal W3C WebDriver client for WebKit (WebKitGTK's MiniBrowser driven by Debian's
// WebKitWebDriver), which puppeteer cannot drive, and for Firefox over classic WebDriver
// (geckodriver; the memory benchmark). It starts a driver on a free 127.0.0.1 port in its
// own process group (WebKitWebDriver under `xvfb-run -a`: MiniBrowser needs an X display),
// and stops exactly that group by its PID. A session can navigate, find elements,
// type into them (a file path into <input type=file> picks that file), run sync and async
// scripts, and open, switch and close windows (tabs).
//
// It does not assert anything, start any HTTP server other than the driver, implement
// WebDriver BiDi, actions, cookies or screenshots, or ever touch processes it did not start.
// Under --automation MiniBrowser's website data is ephemeral (see README, browser support).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';

const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
export const MINIBROWSER = `/usr/lib/${TRIPLETS[process.arch] ?? `${process.arch}-linux-gnu`}/webkit2gtk-4.1/MiniBrowser`;

/**
 * The capabilities of a new WebKit session. A `binary` in webkitgtk:browserOptions replaces the
 * driver's default browser *and its default arguments*, so `--automation` must be given again
 * (WebDriverServiceGTK.cpp, platformParseCapabilities).
 */
export function webkitCapabilities(extraArgs = []) {
  return {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation', ...extraArgs] },
  };
}

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

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
 * Starts a WebDriver server, `program` with `argsFor(port)`, on a free 127.0.0.1 port in its
 * own process group and waits until it answers /status (`attempts` tries, each on a new port).
 * Resolves to { url, pid, output(), stop() }; stop() signals only the process group this call
 * started (the driver and every browser it runs).
 */
export async function startDriver({ program, argsFor, name = program, env = {}, attempts = 3 }) {
  let lastError;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await freePort();
    const child = spawn(program, argsFor(port), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    let exited = false;
    const exit = new Promise((resolve) => child.on('exit', (code, signal) => { exited = true; resolve(code ?? signal); }));
    child.on('error', (err) => { output += `\n${err.message}`; });
    const url = `http://127.0.0.1:${port}`;
    const stop = async () => {
      if (exited) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
      const killed = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } await exit; }
      // Helpers (e.g. Xvfb under xvfb-run) may outlive the leader by a moment; same group.
      await sleep(100);
      try { process.kill(-child.pid, 'SIGKILL'); } catch { /* all gone */ }
    };
    const deadline = Date.now() + 20_000;
    while (!exited && Date.now() < deadline) {
      try {
        const status = await command(url, 'GET', '/status', undefined, 2000);
        if (status) return { url, pid: child.pid, output: () => output, stop };
      } catch { /* not up yet */ }
      await sleep(100);
    }
    lastError = new Error(`${name} did not start on port ${port} (attempt ${attempt}): ${output.slice(-1000)}`);
    await stop();
  }
  throw lastError;
}

/**
 * Starts WebKitWebDriver under `xvfb-run -a` (MiniBrowser needs an X display) with
 * startDriver(): xvfb-run, its Xvfb, the driver and its browsers are one process group.
 */
export function startWebKitDriver({ env = {}, attempts = 3 } = {}) {
  return startDriver({
    program: 'xvfb-run',
    argsFor: (port) => ['-a', '-s', '-screen 0 1280x1024x24', WEBKIT_DRIVER, `--port=${port}`, '--host=127.0.0.1'],
    name: 'WebKitWebDriver',
    env,
    attempts,
  });
}

/** A W3C WebDriver session. */
export class Session {
  constructor(base, id, capabilities) {
    this.base = base;
    this.id = id;
    this.capabilities = capabilities;
  }

  /** POST /session with `alwaysMatch` capabilities (webkitCapabilities() by default). */
  static async create(driverUrl, alwaysMatch = webkitCapabilities()) {
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

/** True if this machine has WebKitWebDriver, MiniBrowser and xvfb-run (setup.sh installs them). */
export function webkitInstalled() {
  return [WEBKIT_DRIVER, MINIBROWSER, '/usr/bin/xvfb-run'].every((p) => fs.existsSync(p));
}

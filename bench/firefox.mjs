// Drives headless Firefox for the memory group over classic W3C WebDriver (geckodriver, which
// setup.sh installs), not over WebDriver BiDi as puppeteer does: under BiDi, Firefox keeps the
// body of every request it sent for the automation's network events, so its memory grows with
// the bytes uploaded whatever the client (measured: about twice the bytes sent, for plain
// fetch, XMLHttpRequest and ferry alike), which is the automation's cost, not the client's.
// Starts geckodriver on a free 127.0.0.1 port in its own process group and stops exactly that
// group by its PID. One session; every run navigates to the benchmark page afresh, picks the
// file through <input type=file> and runs one client there (bench/page/harness.js).
// It does not judge results, sample heap metrics (no DevTools protocol) or start any server.
import { spawn } from 'node:child_process';
import { FIREFOX_PREFS } from '../scripts/browsers.mjs';
import { Session, freePort } from '../tests/support/webdriver.mjs';

const GECKODRIVER = `${process.env.HOME}/.cargo/bin/geckodriver`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts geckodriver and a headless Firefox session; resolves to { session, pid, version, close }. */
export async function startFirefox() {
  const port = await freePort();
  const child = spawn(GECKODRIVER, ['--port', String(port), '--host', '127.0.0.1'], { detached: true, stdio: 'ignore' });
  let exited = false;
  const exit = new Promise((resolve) => child.on('exit', () => { exited = true; resolve(); }));
  const stop = async () => {
    if (exited) return;
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* gone */ }
    const done = await Promise.race([exit.then(() => true), sleep(5000).then(() => false)]);
    if (!done) { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }
  };
  const url = `http://127.0.0.1:${port}`;
  let session = null;
  for (let i = 0; i < 100 && !session && !exited; i++) {
    try {
      session = await Session.create(url, {
        browserName: 'firefox',
        'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'], prefs: FIREFOX_PREFS },
      });
    } catch { await sleep(200); }
  }
  if (!session) { await stop(); throw new Error('geckodriver did not start a Firefox session'); }
  await session.setTimeouts({ script: 1_800_000, pageLoad: 60_000, implicit: 0 });
  const version = `firefox/${session.capabilities.browserVersion}`;
  return { session, pid: child.pid, version, close: async () => { await session.delete(); await stop(); } };
}

/** Runs `client` with `options` on `file` in a freshly loaded benchmark page; resolves to the page's result. */
export async function runInFirefox({ session }, pageUrl, file, client, options) {
  await session.navigate(pageUrl);
  await session.waitFor("document.documentElement.dataset.ready === 'true'", { timeout: 30_000, what: 'the benchmark page' });
  await session.sendKeys(await session.findElement('#file'), file);
  const run = await session.executeAsync(
    'const [c, o, done] = arguments; window.bench[c](o).then(done, (e) => done({ ok: false, error: String(e) }));',
    [client, options], 1_800_000);
  if (!run.ok) throw new Error(`${client} ${JSON.stringify(options)} failed in Firefox: ${run.error}`);
  return run;
}

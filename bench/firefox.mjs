// Drives headless Firefox for the memory group over classic W3C WebDriver (geckodriver, which
// setup.sh installs), not over WebDriver BiDi as puppeteer does: under BiDi, Firefox's memory
// grew with the bytes uploaded whatever the client (6 GiB: about 13 GB, for plain fetch,
// XMLHttpRequest and ferry alike; most likely request bodies kept for the automation's network
// events), which is the automation's cost, not the client's. See BENCHMARKS.md.
// Starts geckodriver with tests/support/webdriver.mjs's startDriver (its own process group,
// stopped by its PID). One session; every run navigates to the benchmark page afresh, picks the
// file through <input type=file> and runs one client there (tests/support/page/bench.js).
// It does not judge results, sample heap metrics (no DevTools protocol) or start any server.
import { WEBDRIVER_ENGINES } from '../tests/support/browsers.mjs';
import { Session, startDriver } from '../tests/support/webdriver.mjs';

/** Starts geckodriver and a headless Firefox session; resolves to { session, pid, version, close }. */
export async function startFirefox() {
  const driver = await startDriver('firefox');
  let session;
  try {
    session = await Session.create(driver.url, WEBDRIVER_ENGINES.firefox.capabilities());
    await session.setTimeouts({ script: 1_800_000, pageLoad: 60_000, implicit: 0 });
  } catch (err) {
    await driver.stop();
    throw err;
  }
  const version = `firefox/${session.capabilities.browserVersion}`;
  return { session, pid: driver.pid, version, close: async () => { await session.delete(); await driver.stop(); } };
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

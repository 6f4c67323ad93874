// The three browser engines every browser-driving test, script and benchmark uses, launched
// the same way and kept off the network (only 127.0.0.1 is used): Debian Chromium over CDP and
// Firefox ESR over WebDriver BiDi, both with puppeteer-core; WebKitGTK's MiniBrowser (Safari's
// engine, under xvfb-run) and Firefox ESR through geckodriver over classic W3C WebDriver
// (tests/support/webdriver.mjs). It launches; it does not drive pages (page-driver.mjs does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const ENGINES = ['chromium', 'firefox', 'webkit'];
export const PUPPETEER_ENGINES = ['chromium', 'firefox'];

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export const FIREFOX_PREFS = {
  'app.update.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'extensions.update.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'toolkit.telemetry.enabled': false,
};

/** Launches 'chromium' or 'firefox' with puppeteer; `userDataDir` keeps a profile across launches. */
export function launchPuppeteer(name, { userDataDir, protocolTimeout } = {}) {
  if (name === 'chromium') {
    return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, userDataDir, protocolTimeout });
  }
  if (name === 'firefox') {
    return puppeteer.launch({
      browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: FIREFOX_PREFS, userDataDir, protocolTimeout,
    });
  }
  throw new Error(`puppeteer does not drive ${name}`);
}

const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
export const MINIBROWSER = `/usr/lib/${TRIPLETS[process.arch] ?? `${process.arch}-linux-gnu`}/webkit2gtk-4.1/MiniBrowser`;
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const GECKODRIVER = path.join(os.homedir(), '.cargo', 'bin', 'geckodriver');

/**
 * The W3C WebDriver engines: the driver program, its arguments for a port, and the session's
 * capabilities. For WebKit, a `binary` in webkitgtk:browserOptions replaces the driver's
 * default browser *and its default arguments*, so `--automation` is given again.
 */
export const WEBDRIVER_ENGINES = {
  webkit: {
    program: 'xvfb-run',
    argsFor: (port) => ['-a', '-s', '-screen 0 1280x1024x24', WEBKIT_DRIVER, `--port=${port}`, '--host=127.0.0.1'],
    group: true,
    needs: [WEBKIT_DRIVER, MINIBROWSER, '/usr/bin/xvfb-run'],
    capabilities: () => ({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } }),
  },
  firefox: {
    program: GECKODRIVER,
    argsFor: (port) => ['--port', String(port), '--host', '127.0.0.1'],
    group: true,
    needs: [GECKODRIVER, '/usr/bin/firefox-esr'],
    capabilities: () => ({
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'], prefs: FIREFOX_PREFS },
    }),
  },
};

/** The programs `engine` over W3C WebDriver needs that this machine lacks (setup.sh installs them). */
export function missingPrograms(engine) {
  return WEBDRIVER_ENGINES[engine].needs.filter((p) => !fs.existsSync(p));
}

// The two headless browsers every browser-driving script uses, launched the same way:
// Debian Chromium over CDP and Firefox ESR over WebDriver BiDi, with puppeteer-core, kept off
// the network (only 127.0.0.1 is used). It launches; it does not drive pages or assert.
import puppeteer from 'puppeteer-core';

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

export const BROWSERS = ['chromium', 'firefox'];

/** Launches `name` ('chromium' or 'firefox'); `userDataDir` keeps a profile across launches. */
export function launchBrowser(name, { userDataDir } = {}) {
  if (name === 'chromium') {
    return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, userDataDir });
  }
  if (name === 'firefox') {
    return puppeteer.launch({
      browser: 'firefox', executablePath: '/usr/bin/firefox-esr', headless: true, extraPrefsFirefox: FIREFOX_PREFS, userDataDir,
    });
  }
  throw new Error(`unknown browser ${name}`);
}

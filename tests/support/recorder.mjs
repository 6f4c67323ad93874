// Node side of the page recorder (tests/support/page/recorder.js) over a page-driver page:
// start a run, read it, wait for a condition on it, set the recorder's per-request delay and
// list the stored sessions. It asserts only that a run did not end before the bytes it waits
// for were confirmed.
import assert from 'node:assert/strict';
import { sleep } from './util.mjs';

export const startRun = (page, id, options) => page.evaluate((i, o) => window.ferryTest.start(i, o), id, options);
export const getRun = (page, id) => page.evaluate((i) => window.ferryTest.get(i), id);
export const listSessions = (page) => page.evaluate(() => window.ferryTest.list());
export const setDelay = (page, ms) => page.evaluate((d) => { window.ferryTest.delayMs = d; }, ms);
export const startAgain = (page, id) => page.evaluate((i) => window.ferryTest.again(i), id);

/** Polls run `id` until `cond(run)` holds; returns the run. */
export async function until(page, id, cond, what, timeout = 150_000, interval = 25) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const run = await getRun(page, id);
    if (run && cond(run)) return run;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(run && { state: run.state, states: run.states, confirmed: run.confirmed, done: run.done, error: run.error, events: run.events.slice(-5) })}`);
    }
    await sleep(interval);
  }
}

/** Waits for run `id` to end; returns it. */
export const untilDone = (page, id, timeout) => until(page, id, (r) => r.done, `upload ${id} to end`, timeout, 100);

/** Waits (in the page, tightly) until run `id` has confirmed at least `bytes`, and has not ended. */
export async function untilConfirmed(page, id, bytes, timeout = 150_000) {
  await page.waitFor(
    (i, n) => { const r = window.ferryTest.runs[i]; return Boolean(r && (r.confirmed >= n || r.done)); },
    { polling: 10, timeout }, id, bytes,
  );
  const run = await getRun(page, id);
  assert.ok(!run.done, `the upload ended before ${bytes} bytes were confirmed: ${JSON.stringify(run.error)} ${run.states.join(' ')}`);
  return run;
}

/** Picks `file`, starts run `id` with `options` and resolves to the run once it ended. */
export async function pickAndRun(page, file, options, { id = 'u', timeout = 60_000 } = {}) {
  await page.pick(file);
  await startRun(page, id, options);
  return untilDone(page, id, timeout);
}

// Small numeric helpers shared by the benchmark groups: median, MB/s, progress-event
// smoothness. Pure functions; no I/O, no thresholds, no pass/fail.

export { GiB, MiB } from '../tests/support/util.mjs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** MB/s (10^6 bytes per second). */
export const mbps = (bytes, seconds) => bytes / 1e6 / seconds;

/**
 * Smoothness of one run's progress callbacks `events` ([{ t, v }], t in ms since the client's
 * start, v in bytes) for a file of `total` bytes that took `ms`:
 *   count, first (ms from start to the first event), maxGap (largest gap between consecutive
 *   events, the start-to-first gap included), tail (last event to the end of the run),
 *   maxPerSecond (most events in any 1 s sliding window), monotonic (never decreasing),
 *   finals (how many events reported the full size), fullBeforeDone (ms from the first event
 *   that reported the full size to the end of the run).
 */
export function smoothness(events, total, ms) {
  if (events.length === 0) return { count: 0, first: null, maxGap: ms, tail: ms, maxPerSecond: 0, monotonic: true, finals: 0, fullBeforeDone: null };
  let maxGap = events[0].t;
  let monotonic = true;
  for (let i = 1; i < events.length; i++) {
    maxGap = Math.max(maxGap, events[i].t - events[i - 1].t);
    if (events[i].v < events[i - 1].v) monotonic = false;
  }
  let maxPerSecond = 0;
  for (let i = 0, j = 0; i < events.length; i++) {
    while (events[i].t - events[j].t >= 1000) j++;
    maxPerSecond = Math.max(maxPerSecond, i - j + 1);
  }
  return {
    count: events.length,
    first: events[0].t,
    maxGap,
    tail: Math.max(0, ms - events[events.length - 1].t),
    maxPerSecond,
    monotonic,
    finals: events.filter((e) => e.v === total).length,
    // How long the callback already said 100% before the upload was done (null: it never did).
    fullBeforeDone: (() => { const f = events.find((e) => e.v === total); return f ? Math.max(0, ms - f.t) : null; })(),
  };
}

/** Long tasks of a run: { count (> 50 ms), longest (ms) } or null when the browser has no 'longtask'. */
export function longTaskSummary(run) {
  if (!run.longTasksSupported) return null;
  return { count: run.longTasks.length, longest: run.longTasks.reduce((m, e) => Math.max(m, e.duration), 0) };
}

// Benchmark group "hidden": does an upload in a hidden tab keep its speed? One file of random
// bytes (256 MiB; FERRY_BENCH_QUICK: 32 MiB) uploaded over 127.0.0.1 to a real @tus/server
// (tests/support/serve.mjs, serving the benchmark page from the same origin) by ferry in headless
// Chromium, once with its page in front (visible) and once with another tab brought in front
// of it before the upload starts (document.visibilityState 'hidden', checked), with ferry's
// defaults and with 4 MiB chunks (many PATCHes: a PATCH that waited on a throttled timer
// would show), interleaved, `reps` each. Every stored file is checked by SHA-256 and deleted.
// Returns raw figures for bench/report-hidden.mjs; it writes no file and judges nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../tests/support/serve.mjs';
import { sha256File, writeRandomFile } from '../tests/support/files.mjs';
import { FERRY_DEFAULT, runClient } from './clients.mjs';
import { MiB, mbps } from './stats.mjs';

const FERRY_4M = { key: 'ferry-4m', label: 'ferry, chunkSize 4 MiB', kind: 'browser', client: 'ferry', options: { chunkSize: 4 * MiB } };

export const HIDDEN_ROWS = [FERRY_DEFAULT, FERRY_4M].flatMap((client) => [
  { client, hidden: false, label: `${client.label}, visible tab` },
  { client, hidden: true, label: `${client.label}, hidden tab` },
]);

/** Runs the group; resolves to { size, reps, rows: [{ client, hidden, label, runs: [{ mbps, seconds, patches, run }] }] }. */
export async function runHidden({ browser, tmp, pageRoot, size, reps, log }) {
  const file = path.join(tmp, 'hidden.bin');
  log(`hidden: writing ${size} random bytes`);
  const { sha256 } = await writeRandomFile(file, size);
  const srv = await startServer({ port: 0, root: pageRoot });
  const rows = HIDDEN_ROWS.map((row) => ({ ...row, runs: [] }));
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const row of rows) {
        srv.log.length = 0;
        const { id, seconds, run } = await runClient(row.client, { browser, pageUrl: srv.url, endpoint: srv.endpoint, file, size, hidden: row.hidden });
        const patches = srv.log.filter((e) => e.method === 'PATCH').length;
        const stored = path.join(srv.dataDir, id);
        const got = await sha256File(stored);
        await fsp.rm(stored, { force: true });
        await fsp.rm(`${stored}.json`, { force: true });
        if (got !== sha256) throw new Error(`hidden, ${row.label}: the stored bytes differ from the source`);
        row.runs.push({ mbps: mbps(size, seconds), seconds, patches, run });
        log(`hidden ${rep}/${reps} ${row.label}: ${mbps(size, seconds).toFixed(0)} MB/s (${seconds.toFixed(2)} s, ${patches} PATCHes), SHA-256 ok`);
      }
    }
  } finally {
    await srv.close();
    await fsp.rm(file, { force: true });
  }
  return { size, reps, rows };
}

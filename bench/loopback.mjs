// Benchmark group "loopback": one file of random bytes (1 GiB; FERRY_BENCH_QUICK: 32 MiB)
// uploaded over 127.0.0.1 to a real @tus/server with a FileStore (tests/support/serve.mjs, in this
// process, serving the benchmark page from the same origin) by curl (the ceiling), plain
// fetch in the page (one PATCH, and 64 MiB PATCHes), tus-js-client (default, 16 MiB chunks) and ferry (default, 16 MiB
// chunks), interleaved, `reps` each. Every stored file is checked by SHA-256 and deleted.
// Returns raw figures for bench/report.mjs; it writes no file and judges nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from '../tests/support/serve.mjs';
import { sha256File, writeRandomFile } from '../tests/support/files.mjs';
import { CURL, FERRY_16M, FERRY_DEFAULT, FETCH, FETCH_64M, TUSJS_16M, TUSJS_DEFAULT, runClient } from './clients.mjs';
import { mbps } from './stats.mjs';

export const LOOPBACK_CLIENTS = [CURL, FETCH, FETCH_64M, TUSJS_DEFAULT, TUSJS_16M, FERRY_DEFAULT, FERRY_16M];

/** Runs the group; resolves to { size, reps, rows: [{ client, runs: [{ mbps, seconds, patches, run }] }] }. */
export async function runLoopback({ browser, tmp, pageRoot, size, reps, log }) {
  const file = path.join(tmp, 'loopback.bin');
  log(`loopback: writing ${size} random bytes`);
  const { sha256 } = await writeRandomFile(file, size);
  const srv = await startServer({ port: 0, root: pageRoot });
  const rows = LOOPBACK_CLIENTS.map((client) => ({ client, runs: [] }));
  try {
    for (let rep = 1; rep <= reps; rep++) {
      for (const row of rows) {
        srv.log.length = 0;
        const { id, seconds, run } = await runClient(row.client, { browser, pageUrl: srv.url, endpoint: srv.endpoint, file, size });
        const patches = srv.log.filter((e) => e.method === 'PATCH').length;
        const stored = path.join(srv.dataDir, id);
        const got = await sha256File(stored);
        await fsp.rm(stored, { force: true });
        await fsp.rm(`${stored}.json`, { force: true });
        if (got !== sha256) throw new Error(`loopback, ${row.client.label}: the stored bytes differ from the source`);
        row.runs.push({ mbps: mbps(size, seconds), seconds, patches, run });
        log(`loopback ${rep}/${reps} ${row.client.label}: ${mbps(size, seconds).toFixed(0)} MB/s (${seconds.toFixed(2)} s, ${patches} PATCHes), SHA-256 ok`);
      }
    }
  } finally {
    await srv.close();
    await fsp.rm(file, { force: true });
  }
  return { size, reps, rows };
}

// Benchmark group "throttled": a file of random bytes (128 MiB; FERRY_BENCH_QUICK: 24 MiB)
// uploaded from headless Chromium to rustus on 127.0.0.1 through tests/support/fault-proxy.mjs's
// throttle (50 Mbit/s upload, 100 ms round trip; the page from tests/support/serve.mjs, unthrottled), once with the bandwidth limit per TCP connection and
// once with one limit shared by all connections, by ferry (one connection; parallelUploads 4)
// and tus-js-client (default; parallelUploads 4), interleaved, `reps` each per mode. Every
// upload rustus stored is checked by SHA-256 against the source, then rustus's files are
// deleted. Returns raw figures for bench/report.mjs; it writes no file and judges nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { sha256File, writeRandomFile } from '../tests/support/files.mjs';
import { FERRY_DEFAULT, FERRY_P4, TUSJS_DEFAULT, TUSJS_P4, runClient } from './clients.mjs';
import { startRustus } from './rustus.mjs';
import { mbps } from './stats.mjs';
import { startServer } from '../tests/support/serve.mjs';
import { startFaultProxy } from '../tests/support/fault-proxy.mjs';

export const THROTTLED_CLIENTS = [TUSJS_DEFAULT, TUSJS_P4, FERRY_DEFAULT, FERRY_P4];
export const LINK = { rate: 50e6, delayMs: 50 };
export const MODES = ['per-connection', 'shared'];

/**
 * Runs the group; resolves to { size, reps, link, rustus, modes: [{ mode, rows: [{ client,
 * runs: [{ mbps, seconds, patches, connections, run }] }] }] }.
 */
export async function runThrottled({ browser, tmp, pageRoot, size, reps, log }) {
  const file = path.join(tmp, 'throttled.bin');
  log(`throttled: writing ${size} random bytes`);
  const { sha256 } = await writeRandomFile(file, size);
  const rustus = await startRustus({ dataDir: path.join(tmp, 'rustus-data') });
  log(`throttled: rustus (pid ${rustus.pid}) at ${rustus.origin}`);
  const modes = [];
  const pages = await startServer({ port: 0, root: pageRoot });
  try {
    for (const mode of MODES) {
      const proxy = await startFaultProxy({ upstream: rustus.origin, pages: pages.url });
      proxy.throttle({ bytesPerSec: LINK.rate / 8, delayMs: LINK.delayMs, queueBytes: 640 * 1024, perConnection: mode === 'per-connection' });
      const rows = THROTTLED_CLIENTS.map((client) => ({ client, runs: [] }));
      modes.push({ mode, rows });
      try {
        for (let rep = 1; rep <= reps; rep++) {
          for (const row of rows) {
            proxy.log.length = 0;
            const { url, id, seconds, run } = await runClient(row.client, { browser, pageUrl: proxy.url, endpoint: `${proxy.origin}/files/`, file, size });
            const tus = proxy.log.filter((e) => e.path.startsWith('/files'));
            const got = await sha256File(path.join(rustus.dataDir, id)).catch((err) => `unreadable (${err.code ?? err.message})`);
            await rustus.clear();
            if (got !== sha256) throw new Error(`throttled ${mode}, ${row.client.label}: the stored upload ${url} differs from the source (${got})`);
            const patches = tus.filter((e) => e.method === 'PATCH').length;
            const connections = new Set(tus.map((e) => e.connection)).size;
            row.runs.push({ mbps: mbps(size, seconds), seconds, patches, connections, run });
            log(`throttled ${mode} ${rep}/${reps} ${row.client.label}: ${mbps(size, seconds).toFixed(2)} MB/s (${seconds.toFixed(1)} s, ${patches} PATCHes over ${connections} connections), SHA-256 ok`);
          }
        }
      } finally {
        await proxy.close();
      }
    }
  } finally {
    await rustus.stop();
    await pages.close();
    await fsp.rm(file, { force: true });
  }
  return { size, reps, link: LINK, rustus: rustus.version, modes };
}

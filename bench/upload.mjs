// Upload throughput benchmark: a 1 GiB random file over loopback to a real @tus/server
// (scripts/serve.mjs), sent by ferry in headless Chromium (picked through <input type=file>)
// at chunk sizes 8 MiB, 32 MiB and 'auto' (the default), and by curl as a baseline (one POST,
// then one PATCH with the whole file, streamed with --upload-file) and by plain fetch in the
// same page (POST + one PATCH, the browser's own cost). Runs interleaved, 3 each;
// every stored file is checked by SHA-256. Prints medians as a markdown table and writes
// BENCHMARKS.md with it and `npm run size`'s table.
// It does not build (`npm run bench` builds first) and uses only 127.0.0.1.
import { execFileSync, spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../scripts/serve.mjs';
import { launch, openFixture, pickAndUpload, sha256File, uploadId, writeRandomFile } from '../tests/e2e/helpers.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SIZE = 1024 * 1024 * 1024;
const REPS = 3;
const MiB = 1024 * 1024;
const CLIENTS = [
  { name: 'curl (one PATCH)', run: curlUpload },
  { name: 'browser fetch, one PATCH (no ferry)', run: fetchUpload },
  { name: 'ferry, 8 MiB chunks', run: (ctx) => ferryUpload(ctx, 8 * MiB) },
  { name: 'ferry, 32 MiB chunks', run: (ctx) => ferryUpload(ctx, 32 * MiB) },
  { name: "ferry, chunkSize 'auto' (the default)", run: (ctx) => ferryUpload(ctx, 'auto') },
];

/** Runs a command; resolves to its stdout, rejects on a non-zero exit. */
function exec(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

/**
 * TUS with curl: POST (Upload-Length), then one PATCH carrying the whole file, streamed from disk
 * with --upload-file (curl's --data-binary @file cannot hold 1 GiB in memory). Returns { id, seconds }.
 */
async function curlUpload({ srv, file }) {
  const tus = ['-H', 'Tus-Resumable: 1.0.0'];
  const t0 = performance.now();
  const head = await exec('curl', ['-sS', '-X', 'POST', ...tus, '-H', `Upload-Length: ${SIZE}`, '-D', '-', '-o', '/dev/null', srv.endpoint]);
  const location = head.match(/^location:\s*(\S+)/im)?.[1];
  if (!location) throw new Error(`curl POST: no Location in\n${head}`);
  const url = new URL(location, srv.endpoint).href;
  const status = await exec('curl', ['-sS', '-X', 'PATCH', ...tus, '-H', 'Upload-Offset: 0', '-H', 'Expect:',
    '-H', 'Content-Type: application/offset+octet-stream', '--upload-file', file, '-o', '/dev/null', '-w', '%{http_code}', url]);
  const seconds = (performance.now() - t0) / 1000;
  if (status !== '204') throw new Error(`curl PATCH answered ${status}`);
  return { id: uploadId(url), seconds };
}

/** ferry in the fixture page, timed inside the page from start() to its resolution. */
async function ferryUpload({ srv, file, browser }, chunkSize) {
  const page = await openFixture(browser, srv);
  try {
    const run = await pickAndUpload(page, file, { endpoint: '/files/', chunkSize });
    if (!run.ok) throw new Error(`ferry failed: ${JSON.stringify(run.error)}`);
    return { id: uploadId(run.result.uploadUrl), seconds: run.ms / 1000 };
  } finally {
    await page.close();
  }
}

/** The browser baseline: the same picked file, POST + one PATCH with plain fetch in the page. */
async function fetchUpload({ srv, file, browser }) {
  const page = await openFixture(browser, srv);
  try {
    const input = await page.$('#file');
    await input.uploadFile(file);
    const run = await page.evaluate((o) => window.ferryTest.fetchUpload(o), { endpoint: '/files/' });
    if (!run.ok) throw new Error(`fetch PATCH answered ${run.status}`);
    return { id: uploadId(run.url), seconds: run.ms / 1000 };
  } finally {
    await page.close();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (seconds) => SIZE / 1e6 / seconds;

const loadStart = os.loadavg()[0];
const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-bench-'));
const srv = await startServer({ port: 0 });
let browser;
try {
  const file = path.join(tmp, 'random-1GiB.bin');
  console.error('[bench] writing 1 GiB of random bytes');
  const sha256 = await writeRandomFile(file, SIZE);
  browser = await launch('chromium');
  const ctx = { srv, file, browser };
  const speeds = new Map(CLIENTS.map((c) => [c.name, []]));

  for (let rep = 1; rep <= REPS; rep++) {
    for (const client of CLIENTS) {
      const { id, seconds } = await client.run(ctx);
      const stored = path.join(srv.dataDir, id);
      if ((await sha256File(stored)) !== sha256) throw new Error(`${client.name}: stored bytes differ from the source`);
      await fsp.rm(stored, { force: true });
      await fsp.rm(`${stored}.json`, { force: true });
      speeds.get(client.name).push(mbps(seconds));
      console.error(`[bench] run ${rep}/${REPS} ${client.name}: ${mbps(seconds).toFixed(0)} MB/s (${seconds.toFixed(2)} s)`);
    }
  }

  const curlMedian = median(speeds.get(CLIENTS[0].name));
  const fetchMedian = median(speeds.get(CLIENTS[1].name));
  const bestFerry = Math.max(...CLIENTS.filter((c) => c.name.startsWith('ferry')).map((c) => median(speeds.get(c.name))));
  const rows = CLIENTS.map((c) => {
    const runs = speeds.get(c.name);
    const m = median(runs);
    return `| ${c.name} | ${m.toFixed(0)} | ${runs.map((x) => x.toFixed(0)).join(', ')} | ${(m / curlMedian).toFixed(2)} | ${(m / fetchMedian).toFixed(2)} |`;
  });
  const table = ['| client | median MB/s | runs (MB/s) | vs curl | vs browser fetch |', '|---|---:|---:|---:|---:|', ...rows].join('\n');

  const version = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8' }).split('\n')[0].trim(); } catch { return 'unknown'; } };
  const machine = [
    `- CPU: ${os.availableParallelism()} cores (nproc), ${os.cpus()[0]?.model ?? 'unknown model'}`,
    `- memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()}`,
    `- Node ${process.version}, ${await browser.version()}, ${version('curl', ['--version']).split(' ').slice(0, 2).join(' ')}`,
    `- load average (1 min) at start ${loadStart.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}` +
      (Math.max(loadStart, os.loadavg()[0]) > 1 ? ' (other work was running: expect noisy numbers)' : ''),
  ].join('\n');
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  await browser.close();
  browser = null;

  console.log(`\n## Upload throughput, ${date}\n\ncommand: \`npm run bench\`\n\n${machine}\n\n${table}\n`);

  console.error('[bench] measuring the download size (scripts/size.mjs)');
  const sizeTable = execFileSync('node', [path.join(root, 'scripts', 'size.mjs')], { cwd: root, encoding: 'utf8' }).trim();
  console.log(sizeTable);

  // Sections recorded by other commands (`npm run test:servers`, `npm run chaos`) are kept as
  // they are: everything from the first of them on.
  const benchFile = path.join(root, 'BENCHMARKS.md');
  const previous = await fsp.readFile(benchFile, 'utf8').catch(() => '');
  const keptAt = ['\n## Servers', '\n## Resilience'].map((h) => previous.indexOf(h)).filter((i) => i >= 0).sort((x, y) => x - y)[0] ?? -1;
  const kept = keptAt >= 0 ? previous.slice(keptAt) : '';
  await fsp.writeFile(benchFile, `# Benchmarks

## How to run

\`\`\`sh
npm run bench   # builds, then runs bench/upload.mjs (about 5 minutes); rewrites this file
npm run size    # builds, then prints the size table below
\`\`\`

The benchmark writes a 1 GiB file of random bytes, starts a real @tus/server with a FileStore
on 127.0.0.1 (scripts/serve.mjs) and uploads the file ${REPS} times with each client, interleaved:
curl as the baseline (one POST, then one PATCH streaming the whole file with \`--upload-file\`);
headless Chromium with plain \`fetch\` (the same, from the page, no ferry); and ferry in headless
Chromium at 8 MiB and 32 MiB chunks and with \`chunkSize: 'auto'\`, the default. The browser
rows pick the file through \`<input type=file>\`. After every upload the stored file's SHA-256 is
compared with the source. Browser rows are timed inside the page (ferry: from \`start()\` to its
resolution, wasm loading included), curl from the POST to the end of the PATCH. MB/s is 10^6
bytes per second.

## Machine

${machine}

## Date

${date}

## Results

${table}

### Download size (\`npm run size\`)

${sizeTable}

## What it means

Client, server and disk share one machine here, so these numbers measure what the client
costs next to a fast local server, not a network: over a real connection the bandwidth, not
the client, is usually the limit. curl streams the whole file in one request. The
"browser fetch" row sends the same picked file from the page in one PATCH without ferry: the
gap from curl to it is the browser's own cost (reading the file and moving it through its
network process); the gap from it to the ferry rows is ferry's. ferry reads each chunk with
\`Blob.slice\`, sends it in its own PATCH and waits for the server to confirm the offset before
sending the next (one request in flight; progress counts confirmed bytes only), so every chunk
adds a round trip and the server's per-request work. Larger chunks amortise that, at the price
of more bytes to resend after an interruption. In this run ferry's best median was
${(bestFerry / fetchMedian * 100).toFixed(0)}% of plain fetch and ${(bestFerry / curlMedian * 100).toFixed(0)}% of curl. Runs vary by tens of percent on a shared
2-core machine; compare medians of runs made on the same machine, close together in time.
${kept}`);
  console.error('[bench] wrote BENCHMARKS.md');
} finally {
  await browser?.close();
  await srv.close();
  await fsp.rm(tmp, { recursive: true, force: true });
}

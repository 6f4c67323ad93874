// The upload clients the benchmark compares, as data plus one runner:
//   curl           one POST, then one PATCH streaming the whole file (--upload-file): the ceiling
//   fetch          the same from the page with plain fetch (the browser's own cost, no TUS client)
//   ferry          createUpload() from dist/, in the page
//   tus-js-client  4.3.1, in the page
// Browser clients run in a fresh page each (bench/browser.mjs). runClient() returns
// { id (the upload URL's last segment), url, seconds, run (what the page saw, browser only) }.
// It does not verify the stored bytes (the groups do) and starts no server.
import { spawn } from 'node:child_process';
import { runInPage } from './browser.mjs';
import { uploadId as lastSegment } from '../tests/support/util.mjs';
import { MiB } from './stats.mjs';

export const CURL = { key: 'curl', label: 'curl, one PATCH (the ceiling)', kind: 'curl' };
export const FETCH = { key: 'fetch', label: 'browser fetch, one PATCH (no TUS client)', kind: 'browser', client: 'fetch', options: {} };
export const FETCH_64M = { key: 'fetch-64m', label: 'browser fetch, 64 MiB PATCHes (no TUS client)', kind: 'browser', client: 'fetch', options: { chunkSize: 64 * MiB } };
export const FERRY_DEFAULT = { key: 'ferry-auto', label: "ferry, default (chunkSize 'auto')", kind: 'browser', client: 'ferry', options: {} };
export const FERRY_16M = { key: 'ferry-16m', label: 'ferry, chunkSize 16 MiB', kind: 'browser', client: 'ferry', options: { chunkSize: 16 * MiB } };
export const FERRY_P4 = { key: 'ferry-p4', label: "ferry, parallelUploads 4 (chunkSize 'auto')", kind: 'browser', client: 'ferry', options: { parallelUploads: 4 } };
export const TUSJS_DEFAULT = { key: 'tusjs', label: 'tus-js-client, default (chunkSize Infinity)', kind: 'browser', client: 'tusjs', options: {} };
export const TUSJS_16M = { key: 'tusjs-16m', label: 'tus-js-client, chunkSize 16 MiB', kind: 'browser', client: 'tusjs', options: { chunkSize: 16 * MiB } };
export const TUSJS_P4 = { key: 'tusjs-p4', label: 'tus-js-client, parallelUploads 4', kind: 'browser', client: 'tusjs', options: { parallelUploads: 4 } };

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

/** The upload id a URL ends with (what @tus/server's FileStore names the stored file). */
export { lastSegment };

/**
 * TUS with curl: POST (Upload-Length), then one PATCH carrying the whole file, streamed from
 * disk with --upload-file. Timed from the POST to the end of the PATCH.
 */
async function curlUpload(endpoint, file, size) {
  const tus = ['-H', 'Tus-Resumable: 1.0.0'];
  const t0 = performance.now();
  const head = await exec('curl', ['-sS', '-X', 'POST', ...tus, '-H', `Upload-Length: ${size}`, '-D', '-', '-o', '/dev/null', endpoint]);
  const location = head.match(/^location:\s*(\S+)/im)?.[1];
  if (!location) throw new Error(`curl POST: no Location in\n${head}`);
  const url = new URL(location, endpoint).href;
  const status = await exec('curl', ['-sS', '-X', 'PATCH', ...tus, '-H', 'Upload-Offset: 0', '-H', 'Expect:',
    '-H', 'Content-Type: application/offset+octet-stream', '--upload-file', file, '-o', '/dev/null', '-w', '%{http_code}', url]);
  const seconds = (performance.now() - t0) / 1000;
  if (status !== '204') throw new Error(`curl PATCH answered ${status}`);
  return { url, id: lastSegment(url), seconds, run: null };
}

/**
 * Uploads `file` (`size` bytes) with `client` to `endpoint` (absolute; browser clients get its
 * path, same-origin with `pageUrl`). `sample` collects heap and wasm memory (browser only);
 * `hidden` runs it in a tab behind another one.
 */
export async function runClient(client, { browser, pageUrl, endpoint, file, size, sample = false, hidden = false }) {
  if (client.kind === 'curl') return curlUpload(endpoint, file, size);
  const endpointPath = new URL(endpoint).pathname;
  const run = await runInPage(browser, pageUrl, file, client.client, { endpoint: endpointPath, ...client.options }, { sample, hidden });
  if (run.size !== size) throw new Error(`${client.label}: the page saw ${run.size} bytes, expected ${size}`);
  const url = new URL(run.url, pageUrl).href;
  return { url, id: lastSegment(url), seconds: run.ms / 1000, run };
}

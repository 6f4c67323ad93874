// The real TUS servers of the interop matrix (tests/servers/matrix.test.mjs) and of
// `npm run chaos -- --server`: starts each
// server on free 127.0.0.1 ports with its data in a temp dir, as child processes it stops by
// PID, and knows per server how to read a finished upload back from its storage (a file on
// disk, the S3 object through the S3 API, the SeaweedFS filer's file), whether a terminated
// upload is gone, and what the server advertises (OPTIONS). Servers:
//   tus-file     @tus/server 2 + @tus/file-store (tests/support/tus-node.mjs), CORS
//   tus-s3       @tus/server 2 + @tus/s3-store on SeaweedFS's S3 gateway, CORS
//   rustus       rustus 0.5.10 (--features hashers), --max-body-size 2 GiB, CORS
//   rustus-256k  the same binary with its default 256 KiB body limit (the limit scenario)
//   tuspyserver  tuspyserver 4 in a FastAPI app with CORS (tests/support/tuspy_app.py)
//   seaweedfs    the SeaweedFS filer's own TUS endpoint (/.tus/<path>), which has no CORS: it
//                is put same-origin with the page behind tests/support/fault-proxy.mjs
// Also a "front" (tests/support/serve.mjs: dist/ and the test page tests/support/page/ at /test/)
// for the CORS servers.
//
// It installs nothing (scripts/setup.sh does), asserts nothing, and signals no process but
// the ones it started.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { s3Client, startSeaweed } from './seaweedfs.mjs';
import { startServer } from './serve.mjs';
import { startFaultProxy } from './fault-proxy.mjs';
import { hashFile, hashStream } from './files.mjs';
import { answersTus, findProgram, startProcess } from './process.mjs';
import { MiB, freePort } from './util.mjs';

export { MiB };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const VENV_BIN = path.join(ROOT, '.venv-servers', 'bin');
/** Tus-Max-Size of the servers that take one (tus-file, tus-s3, tuspyserver, seaweedfs). */
export const MAX_SIZE = 64 * MiB;

// ---- reading uploads back -----------------------------------------------------------------

const exists = (p) => fsp.stat(p).then(() => true, () => false);
const lastSegment = (url) => decodeURIComponent(new URL(url, 'http://x').pathname.split('/').filter(Boolean).pop());

/** HEAD `uploadUrl`'s path on `origin`, from Node (no browser, no proxy): the status. */
async function tusHead(origin, uploadUrl) {
  const res = await fetch(new URL(new URL(uploadUrl, origin).pathname, origin), { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
  return { status: res.status, offset: res.headers.get('upload-offset') };
}

/** Tus-* headers of an OPTIONS answer at `url`. */
async function tusOptions(url) {
  const res = await fetch(url, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } });
  const pick = (h) => res.headers.get(h);
  return {
    status: res.status,
    extensions: (pick('tus-extension') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    maxSize: pick('tus-max-size') ? Number(pick('tus-max-size')) : null,
    checksumAlgorithms: (pick('tus-checksum-algorithm') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    version: pick('tus-version'),
  };
}

// ---- the servers ----------------------------------------------------------------------------

/**
 * A server handle: { key, label, origin (where the page sends TUS requests when no proxy is in
 * between), tusPath (creation path, per file for SeaweedFS), sameOrigin (the page must be served
 * by `front`), front, options (OPTIONS facts), limit, read(url, name), gone(url, name), stop() }.
 */
function handle(fields) {
  return {
    endpointPath: () => '/files/',
    sameOrigin: false,
    ...fields,
  };
}

async function startTusNode({ tmp, store, weed, maxSize }) {
  const data = path.join(tmp, `tus-${store}`);
  await fsp.mkdir(data, { recursive: true });
  const args = [path.join(ROOT, 'tests', 'support', 'tus-node.mjs'), '--store', store, '--data', data];
  if (store === 's3') args.push('--s3', JSON.stringify(weed), '--part-size', String(5 * MiB));
  if (maxSize) args.push('--max-size', String(maxSize));
  let url = null;
  const proc = await startProcess(`@tus/server (${store})`, process.execPath, args, {
    ready: async (out) => {
      url ??= out.split('\n').find((l) => l.startsWith('http://'))?.trim();
      return Boolean(url) && answersTus(`${url}files/`);
    },
  });
  return { proc, origin: url.replace(/\/$/, ''), data };
}

async function startRustus({ tmp, name, maxBody }) {
  const bin = findProgram('rustus');
  if (!bin) throw new Error('rustus is not installed: run scripts/setup.sh');
  const data = path.join(tmp, name);
  await fsp.mkdir(data, { recursive: true });
  const port = await freePort();
  const args = ['--host', '127.0.0.1', '--port', String(port), '--data-dir', data, '--info-dir', data, '--url', '/files'];
  if (maxBody) args.push('--max-body-size', String(maxBody));
  const origin = `http://127.0.0.1:${port}`;
  const proc = await startProcess(name, bin, args, { ready: () => answersTus(`${origin}/files/`), env: { RUST_LOG: 'warn' } });
  return { proc, origin, data };
}

async function startTuspy({ tmp, maxSize }) {
  const data = path.join(tmp, 'tuspyserver');
  await fsp.mkdir(data, { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = await startProcess('tuspyserver', path.join(VENV_BIN, 'uvicorn'), [
    'tuspy_app:app', '--app-dir', path.join(ROOT, 'tests', 'support'), '--host', '127.0.0.1', '--port', String(port),
    '--log-level', 'warning', '--no-access-log',
  ], {
    env: { FERRY_TUS_DIR: data, FERRY_TUS_MAX_SIZE: maxSize ? String(maxSize) : '' },
    ready: () => answersTus(`${origin}/files/`),
  });
  return { proc, origin, data };
}

export const SERVER_KEYS = ['tus-file', 'tus-s3', 'rustus', 'tuspyserver', 'seaweedfs'];

export const LABELS = {
  'tus-file': '@tus/server 2 + FileStore',
  'tus-s3': '@tus/server 2 + S3Store on SeaweedFS S3',
  rustus: 'rustus 0.5.10 (hashers)',
  tuspyserver: 'tuspyserver 4 (FastAPI + CORS)',
  seaweedfs: 'SeaweedFS filer TUS (same-origin proxy)',
};

/**
 * Starts the servers named in `only` (default all) with data under `tmp`. Returns
 * { servers: Map key -> handle, front (static page origin for the CORS servers), stop() }.
 * Every handle's `limit` says how its limit scenario goes: { server (a handle, maybe another
 * instance), kind: 'max-size' | 'body', value }.
 */
export async function startMatrixServers({ tmp, only = SERVER_KEYS, log = () => {} }) {
  const stops = [];
  const servers = new Map();
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    const front = await startServer({ port: 0 }); // the test page (/test/) and dist/ for the CORS servers
    stops.push(() => front.close());
    let weed = null;
    if (only.includes('tus-s3') || only.includes('seaweedfs')) {
      const t0 = Date.now();
      const w = await startSeaweed({ dir: path.join(tmp, 'seaweedfs'), tusMaxSizeMB: MAX_SIZE / MiB });
      stops.push(() => w.stop());
      weed = w;
      log(`SeaweedFS (pid ${w.pid}) ready in ${Date.now() - t0} ms: S3 ${w.s3Endpoint}, filer ${w.filerUrl}`);
    }
    const s3 = weed ? await s3Client(weed) : null;
    if (s3) stops.push(async () => s3.destroy());

    const fileStore = (data) => ({
      read: async (url) => hashFile(path.join(data, lastSegment(url))),
      stored: async (url) => exists(path.join(data, lastSegment(url))),
    });

    for (const key of only) {
      const t0 = Date.now();
      let h;
      if (key === 'tus-file') {
        const s = await startTusNode({ tmp, store: 'file', maxSize: MAX_SIZE });
        stops.push(s.proc.stop);
        const fsx = fileStore(s.data);
        h = handle({
          key, origin: s.origin, pid: s.proc.pid, read: fsx.read,
          gone: async (url) => ({ head: await tusHead(s.origin, url), stored: await fsx.stored(url) || await exists(path.join(s.data, `${lastSegment(url)}.json`)) }),
        });
      } else if (key === 'tus-s3') {
        const s = await startTusNode({ tmp, store: 's3', weed: { s3Endpoint: weed.s3Endpoint, bucket: weed.bucket, credentials: weed.credentials, region: weed.region }, maxSize: MAX_SIZE });
        stops.push(s.proc.stop);
        const { GetObjectCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
        h = handle({
          key, origin: s.origin, pid: s.proc.pid,
          // The completed object, read back through the S3 API.
          read: async (url) => {
            const obj = await s3.send(new GetObjectCommand({ Bucket: weed.bucket, Key: lastSegment(url) }));
            const got = await hashStream(obj.Body);
            return { ...got, contentLength: obj.ContentLength };
          },
          // The upload's object and its .info must be gone; anything else under its id is
          // reported as left behind (@tus/s3-store 2.0.7 keeps an incomplete `<id>.part`).
          gone: async (url) => {
            const id = lastSegment(url);
            const listed = await s3.send(new ListObjectsV2Command({ Bucket: weed.bucket, Prefix: id }));
            const keys = (listed.Contents ?? []).map((o) => o.Key);
            const own = [id, `${id}.info`];
            return { head: await tusHead(s.origin, url), stored: keys.some((k) => own.includes(k)), leftovers: keys.filter((k) => !own.includes(k)) };
          },
        });
      } else if (key === 'rustus') {
        const s = await startRustus({ tmp, name: 'rustus', maxBody: 2 * 1024 * MiB });
        stops.push(s.proc.stop);
        const fsx = fileStore(s.data);
        h = handle({
          key, origin: s.origin, pid: s.proc.pid, read: fsx.read,
          gone: async (url) => ({ head: await tusHead(s.origin, url), stored: await fsx.stored(url) }),
        });
        const lim = await startRustus({ tmp, name: 'rustus-256k' });
        stops.push(lim.proc.stop);
        const limx = fileStore(lim.data);
        h.limit = {
          kind: 'body', value: 256 * 1024,
          server: handle({ key: 'rustus-256k', origin: lim.origin, pid: lim.proc.pid, read: limx.read, gone: async () => ({}) }),
        };
      } else if (key === 'tuspyserver') {
        const s = await startTuspy({ tmp, maxSize: MAX_SIZE });
        stops.push(s.proc.stop);
        const fsx = fileStore(s.data);
        h = handle({
          key, origin: s.origin, pid: s.proc.pid, read: fsx.read,
          gone: async (url) => ({ head: await tusHead(s.origin, url), stored: await fsx.stored(url) }),
        });
      } else if (key === 'seaweedfs') {
        const sfront = await startFaultProxy({ upstream: weed.filerUrl, pages: front.url, tusPath: '/.tus/' }); // the filer same-origin with the page
        stops.push(() => sfront.close());
        // The filer stores a finished upload at the path named in the creation URL.
        const target = (name) => `/ferry-uploads/${name}`;
        h = handle({
          key, origin: sfront.origin, pid: weed.pid, sameOrigin: true, front: sfront,
          endpointPath: (name) => `/.tus${target(name)}`,
          read: async (url, name) => {
            const res = await fetch(`${weed.filerUrl}${target(name)}`);
            if (!res.ok) throw new Error(`filer GET ${target(name)}: ${res.status}`);
            return hashStream(res.body);
          },
          gone: async (url, name) => ({
            head: await tusHead(weed.filerUrl, url),
            stored: (await fetch(`${weed.filerUrl}${target(name)}`, { method: 'HEAD' })).status !== 404,
          }),
        });
      } else {
        throw new Error(`unknown server ${key}`);
      }
      h.label = LABELS[key];
      h.limit ??= { kind: 'max-size', value: MAX_SIZE, server: h };
      h.options = await tusOptions(`${h.origin}${h.endpointPath('options-probe.bin')}`);
      servers.set(key, h);
      log(`${key} (pid ${h.pid}) ready in ${Date.now() - t0} ms at ${h.origin}`);
    }
    return { servers, front, weed, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * The baseline for speed figures: from Node, one POST and then the whole file in one
 * streaming PATCH to `server` (what `curl -T` does), no browser. Resolves to MB/s.
 */
export async function nodeUpload(server, file) {
  const t0 = performance.now();
  const created = await fetch(`${server.origin}${server.endpointPath(`node-${file.name}`)}`, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(file.size), 'Upload-Metadata': `filename ${Buffer.from(file.name).toString('base64')},filetype YXBwbGljYXRpb24vb2N0ZXQtc3RyZWFt` },
  });
  if (created.status !== 201) throw new Error(`baseline POST: ${created.status}`);
  const url = new URL(created.headers.get('location'), server.origin);
  const status = await new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0', 'Upload-Offset': '0', 'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(file.size),
      },
    }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
    req.on('error', reject);
    fs.createReadStream(file.path, { highWaterMark: 4 * MiB }).pipe(req);
  });
  if (status !== 204) throw new Error(`baseline PATCH: ${status}`);
  return file.size / 1e6 / ((performance.now() - t0) / 1000);
}

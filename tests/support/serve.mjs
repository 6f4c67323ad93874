// Development and test server for ferry: one Node HTTP server, one origin, 127.0.0.1 only.
//   /files/*  -> a real @tus/server 2 with a FileStore (uploads land in dataDir as <id> + <id>.json)
//   /dist/*   -> the built SDK (repo dist/), /test/* -> tests/support/page/, anything else -> www/
// It records every POST/PATCH/HEAD/DELETE under /files in `log` so tests can compare what the
// page reported with what the server confirmed. It does not build anything, does not mock the
// tus server, and does not serve directory listings or files outside those three folders.
//
// Module: `const srv = await startServer({ port, host, dataDir, root })` -> { url, endpoint, dataDir, log, close() }
//         (`datastore` replaces the FileStore, e.g. an S3Store; `maxSize` sets Tus-Max-Size)
// CLI:    node tests/support/serve.mjs [--port N] [--data DIR] [--expire-ms MS]
import http from 'node:http';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { uploadId } from './util.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const TUS_METHODS = new Set(['POST', 'PATCH', 'HEAD', 'DELETE']);

// Header names a browser client needs to read / send beyond @tus/server's defaults.
const EXTRA_EXPOSED = ['Upload-Expires', 'Tus-Checksum-Algorithm', 'Retry-After'];
const EXTRA_ALLOWED = ['Upload-Checksum'];

/** Turn the header argument of res.writeHead (object, [[k,v]], flat [k,v,...] or Headers) into a lowercase map. */
function headersFromWriteHead(arg) {
  const out = {};
  if (!arg || typeof arg !== 'object') return out;
  if (Array.isArray(arg)) {
    if (arg.length > 0 && Array.isArray(arg[0])) {
      for (const [k, v] of arg) out[String(k).toLowerCase()] = v;
    } else {
      for (let i = 0; i + 1 < arg.length; i += 2) out[String(arg[i]).toLowerCase()] = arg[i + 1];
    }
  } else if (typeof arg.entries === 'function' && typeof arg.get === 'function') {
    for (const [k, v] of arg.entries()) out[k.toLowerCase()] = v;
  } else {
    for (const [k, v] of Object.entries(arg)) out[k.toLowerCase()] = v;
  }
  return out;
}

function toOffset(value) {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(n) ? n : null;
}

/** Wrap one /files request so its outcome lands in `log` once the response is over. */
function recordTusExchange(req, res, log) {
  const entry = {
    method: req.method,
    id: req.method === 'POST' ? null : uploadId(req.url),
    status: null,
    requestOffset: toOffset(req.headers['upload-offset']),
    responseOffset: null,
    bodyBytes: 0,
    uploadLength: toOffset(req.headers['upload-length']),
    authorization: req.headers.authorization ?? null,
    location: null,
    completed: false,
    startedAt: Date.now(),
    endedAt: null,
  };
  // Count body bytes as they are consumed: every chunk a Readable hands out goes through emit('data').
  const origEmit = req.emit;
  req.emit = function (event, chunk, ...rest) {
    if (event === 'data' && chunk) entry.bodyBytes += chunk.length;
    return origEmit.call(this, event, chunk, ...rest);
  };
  let headHeaders = {};
  const origWriteHead = res.writeHead;
  res.writeHead = function (status, ...args) {
    const hdrArg = args.find((a) => a && typeof a === 'object');
    headHeaders = headersFromWriteHead(hdrArg);
    return origWriteHead.call(this, status, ...args);
  };
  res.once('close', () => {
    const header = (name) => headHeaders[name] ?? res.getHeader(name);
    entry.status = res.statusCode;
    entry.responseOffset = toOffset(header('upload-offset'));
    entry.location = header('location') ?? null;
    if (entry.method === 'POST') entry.id = uploadId(entry.location);
    entry.completed = res.writableFinished;
    entry.endedAt = Date.now();
    log.push(entry);
  });
}

/** Map a URL path to a file under one of the static roots; null if it escapes or is malformed. */
function resolveStatic(root, urlPath) {
  let rel;
  let base;
  if (urlPath === '/dist' || urlPath.startsWith('/dist/')) {
    base = path.join(root, 'dist');
    rel = urlPath.slice('/dist'.length);
  } else if (urlPath === '/test' || urlPath.startsWith('/test/')) {
    base = path.join(root, 'tests', 'support', 'page');
    rel = urlPath.slice('/test'.length);
  } else {
    base = path.join(root, 'www');
    rel = urlPath;
  }
  let decoded;
  try { decoded = decodeURIComponent(rel); } catch { return null; }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const target = path.resolve(base, '.' + path.posix.normalize('/' + decoded));
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  return target;
}

async function serveStatic(root, req, res) {
  const urlPath = new URL(req.url, 'http://localhost').pathname;
  const send = (status, body, headers = {}) => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cache-Control': 'no-store',
      ...headers,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  let file = resolveStatic(root, urlPath);
  if (!file) return send(400, 'Bad path\n');
  let stat = await fsp.stat(file).catch(() => null);
  if (stat && stat.isDirectory()) {
    if (!urlPath.endsWith('/')) {
      return send(301, 'Moved\n', { Location: urlPath + '/' });
    }
    file = path.join(file, 'index.html');
    stat = await fsp.stat(file).catch(() => null);
  }
  if (!stat || !stat.isFile()) return send(404, 'Not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
  }
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': stat.size,
    'Cache-Control': 'no-store',
    'Access-Control-Allow-Origin': '*',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') return res.end();
  fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/**
 * Start the server. Resolves once it listens; rejects on listen errors (e.g. EADDRINUSE).
 * If no dataDir is given a temporary one is created and removed again by close().
 */
export async function startServer({
  port = 0, host = '127.0.0.1', dataDir, root = REPO_ROOT, expirationMs = 0, datastore, maxSize, lockDrainTimeout,
} = {}) {
  const ownsDataDir = !dataDir;
  const dir = dataDir ? path.resolve(dataDir) : await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-uploads-'));
  await fsp.mkdir(dir, { recursive: true });

  const tus = new Server({
    path: '/files',
    datastore: datastore ?? new FileStore({ directory: dir, expirationPeriodInMilliseconds: expirationMs || undefined }),
    maxSize,
    // How long a request holding an upload's lock may finish before a newer one takes it
    // (@tus/server's default: 3000 ms).
    lockDrainTimeout,
    exposedHeaders: EXTRA_EXPOSED,
    allowedHeaders: EXTRA_ALLOWED,
  });
  const log = [];

  const server = http.createServer((req, res) => {
    const pathname = (req.url || '/').split('?')[0];
    if (pathname === '/files' || pathname.startsWith('/files/')) {
      if (TUS_METHODS.has(req.method)) recordTusExchange(req, res, log);
      // @tus/server answers GET (download) without CORS headers; browser tests read uploads back.
      if (req.method === 'GET') res.setHeader('Access-Control-Allow-Origin', '*');
      tus.handle(req, res).catch((err) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'text/plain', 'Access-Control-Allow-Origin': '*' });
          res.end(`tus server error: ${err?.message ?? err}\n`);
        } else {
          res.destroy();
        }
      });
      return;
    }
    serveStatic(root, req, res).catch((err) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
      res.end(`static error: ${err?.message ?? err}\n`);
    });
  });

  await new Promise((resolve, reject) => {
    const onError = (err) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const { port: actualPort } = server.address();
  const url = `http://${host}:${actualPort}/`;

  let closed = false;
  async function close() {
    if (closed) return;
    closed = true;
    await new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    if (ownsDataDir) await fsp.rm(dir, { recursive: true, force: true });
  }

  return { url, endpoint: `${url}files/`, port: actualPort, dataDir: dir, log, close, tus };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--port') out.port = Number(next());
    else if (a === '--data') out.dataDir = next();
    else if (a === '--expire-ms') out.expirationMs = Number(next());
    else if (a === '--help' || a === '-h') out.help = true;
    else throw new Error(`unknown argument: ${a}`);
  }
  return out;
}

const isCli = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isCli) {
  let args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: node tests/support/serve.mjs [--port N] [--data DIR] [--expire-ms MS]');
    process.exit(0);
  }
  const srv = await startServer(args);
  console.log(srv.url);
  console.error(`tus endpoint ${srv.endpoint}, uploads stored in ${srv.dataDir}`);
  const stop = () => srv.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

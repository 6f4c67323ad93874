// A throttling reverse proxy for the "throttled" benchmark group: a node:http server on
// 127.0.0.1 that serves the benchmark page itself (bench/page-root.mjs's static handler, not
// throttled) and forwards /files* to a TUS server (rustus) on 127.0.0.1, emulating a slow
// path between the browser and the server:
//   - upload bandwidth: request bodies leave at `rate` bits/s, either PER TCP CONNECTION
//     (mode 'per-connection': every browser connection has its own 50 Mbit/s, as per-flow
//     limits on real paths do) or through ONE bucket shared by all connections
//     (mode 'shared': one 50 Mbit/s uplink, where parallel connections cannot help);
//   - latency: `delayMs` each way (request heads and body bytes reach the server `delayMs`
//     after they leave; response heads reach the browser `delayMs` after the server answers),
//     so every request/response pair costs 2 x delayMs; the first request on a new
//     connection waits one more round trip, the TCP handshake's;
//   - a bottleneck queue of `queueBytes`: beyond it the proxy stops reading the browser's
//     connection, so TCP flow control pushes back on the browser.
// A Location naming the upstream origin is rewritten to the proxy's. Every /files exchange is
// logged ({ method, status, bytes, connection }).
// It does not model TCP congestion control, slow start, loss or jitter, does not limit the
// download direction (TUS answers are a few hundred bytes), and does no CORS (the page is
// same-origin). No dependencies beyond node:http.
import http from 'node:http';

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * Starts the proxy. Options: upstream (origin of the TUS server), mode 'per-connection' |
 * 'shared', rate (bits/s, default 50e6), delayMs (one way, default 50), queueBytes (default
 * 640 KiB, about one bandwidth-delay product), serveStatic (handler for non-/files paths).
 * Resolves to { url, origin, log, connections (count since start), close() }.
 */
export async function startThrottleProxy({ upstream, mode = 'per-connection', rate = 50e6, delayMs = 50, queueBytes = 640 * 1024, serveStatic }) {
  if (!['per-connection', 'shared'].includes(mode)) throw new Error(`unknown mode ${mode}`);
  const up = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const bytesPerMs = rate / 8 / 1000;
  const sharedLink = { busyUntil: 0 };
  const links = new WeakMap(); // socket -> { id, busyUntil, used }
  const sockets = new Set();
  const log = [];
  let connections = 0;
  let origin;

  const server = http.createServer((req, res) => {
    const pathname = (req.url || '/').split('?')[0];
    if (pathname === '/files' || pathname.startsWith('/files/')) return forward(req, res);
    if (serveStatic) return serveStatic(req, res);
    res.writeHead(404);
    res.end();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    links.set(socket, { id: ++connections, busyUntil: 0, used: false });
  });
  server.on('clientError', (err, socket) => socket.destroy());

  function rewriteLocation(value) {
    try {
      const u = new URL(value, up);
      if (u.origin === up.origin && /^https?:\/\//i.test(value)) return origin + u.pathname + u.search;
    } catch { /* leave it */ }
    return value;
  }

  function forward(req, res) {
    const conn = links.get(req.socket);
    const link = mode === 'shared' ? sharedLink : conn;
    const entry = { method: req.method, path: req.url, connection: conn.id, status: null, bytes: 0, startedAt: Date.now(), endedAt: null };
    log.push(entry);
    // The head leaves now and arrives delayMs later; a new connection's first request also
    // waits for the handshake's round trip.
    const headArrival = performance.now() + delayMs + (conn.used ? 0 : 2 * delayMs);
    conn.used = true;

    const headers = [];
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      if (!HOP.has(req.rawHeaders[i].toLowerCase())) headers.push(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    let upReq = null;
    let gone = false;
    const queue = []; // [{ at, chunk | null (end) }] in arrival order
    let queued = 0;
    let timer = null;

    const pump = () => {
      timer = null;
      if (gone) return;
      const now = performance.now();
      while (queue.length > 0 && queue[0].at <= now) {
        const { chunk } = queue.shift();
        if (chunk === null) { upReq.end(); continue; }
        queued -= chunk.length;
        upReq.write(chunk);
      }
      if (queued <= queueBytes && req.isPaused()) req.resume();
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
    };
    const schedule = (at, chunk) => {
      queue.push({ at, chunk });
      if (upReq && !timer) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
    };

    setTimeout(() => {
      if (gone) return;
      upReq = http.request({ agent, host: up.hostname, port: up.port, method: req.method, path: req.url, headers });
      upReq.on('response', (upRes) => {
        entry.status = upRes.statusCode;
        const out = [];
        for (let i = 0; i + 1 < upRes.rawHeaders.length; i += 2) {
          const k = upRes.rawHeaders[i];
          if (HOP.has(k.toLowerCase())) continue;
          out.push(k, k.toLowerCase() === 'location' ? rewriteLocation(upRes.rawHeaders[i + 1]) : upRes.rawHeaders[i + 1]);
        }
        // The answer travels back for delayMs (its body, a few bytes, follows it).
        setTimeout(() => {
          if (gone) { upRes.destroy(); return; }
          res.writeHead(upRes.statusCode, upRes.statusMessage, out);
          upRes.pipe(res);
          res.on('finish', () => { entry.endedAt = Date.now(); });
        }, delayMs);
      });
      upReq.on('error', () => {
        if (gone) return;
        if (!res.headersSent) { res.writeHead(502); res.end(); } else res.destroy();
      });
      if (queue.length > 0 && !timer) timer = setTimeout(pump, Math.max(0, queue[0].at - performance.now()));
    }, Math.max(0, headArrival - performance.now()));

    req.on('data', (chunk) => {
      entry.bytes += chunk.length;
      const now = performance.now();
      const departs = Math.max(now, link.busyUntil) + chunk.length / bytesPerMs;
      link.busyUntil = departs;
      queued += chunk.length;
      schedule(Math.max(departs + delayMs, headArrival), chunk);
      if (queued > queueBytes) req.pause();
    });
    req.on('end', () => schedule(Math.max(performance.now() + delayMs, queue.at(-1)?.at ?? 0, headArrival), null));
    res.on('close', () => {
      if (res.writableFinished) return;
      gone = true;
      clearTimeout(timer);
      upReq?.destroy();
    });
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${origin}/`,
    origin,
    mode,
    log,
    get connections() { return connections; },
    async close() {
      agent.destroy();
      await new Promise((resolve) => { server.close(resolve); for (const s of sockets) s.destroy(); });
    },
  };
}

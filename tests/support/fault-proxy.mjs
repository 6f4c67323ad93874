// Fault-injection HTTP proxy for ferry's resilience tests: a plain node:http reverse proxy on
// 127.0.0.1 that sits between a browser page and a real server (tests/support/serve.mjs) and forwards
// every request (page, /dist, /files) with streamed bodies and preserved headers, rewriting a
// Location that names the upstream origin to the proxy's own origin. On request it breaks
// chosen requests: reset the connection after N request-body bytes, stall (never answer),
// answer a status of its own (with CORS headers like @tus/server's, so the page can read it),
// flip one byte of a request body on the way (corrupt, for checksum tests), or take the whole
// proxy offline (refuse connections, or accept and never answer), silence every open connection
// for good until a wake (a sleeping laptop whose NAT mapping died), or throttle uploads (a slow
// link: bandwidth, latency, a bottleneck queue). With `pages`, every path outside `tusPath`
// comes from that origin instead (the page: the upstream is then same-origin with it). It counts
// PATCH body bytes forwarded upstream and records every request (method, path, status, bytes,
// fault). A seeded PRNG drives randomFaults() for chaos runs.
//
// It does not speak TUS itself, changes no body but the one byte of a corrupt fault, does not do
// HTTPS, CONNECT or upgrades, and listens on 127.0.0.1 only. It has no dependencies.
//
//   const proxy = await startFaultProxy({ upstream: srv.url });
//   proxy.inject({ method: 'PATCH', nth: 2, action: 'reset', afterBytes: 1 << 20 });
//   proxy.inject({ method: 'PATCH', action: 'status', status: 503, headers: { 'Retry-After': '1' } });
//   proxy.inject({ method: 'HEAD', action: 'stall', durationMs: 5000 });
//   await proxy.offline({ mode: 'refuse', durationMs: 3000 }); proxy.dropConnections();
//   proxy.silence(); ...; proxy.wake();
//   proxy.randomFaults({ seed: 42, rate: 0.2 });
//   proxy.log, proxy.patchBytesForwarded, proxy.counts(), await proxy.close()
import http from 'node:http';
import { EventEmitter } from 'node:events';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization',
  'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

// What @tus/server exposes (plus what tests/support/serve.mjs adds and Retry-After), so the page can
// read injected answers the same way it reads real ones.
const EXPOSE_HEADERS = [
  'Authorization', 'Content-Type', 'Location', 'Tus-Extension', 'Tus-Max-Size', 'Tus-Resumable',
  'Tus-Version', 'Upload-Concat', 'Upload-Defer-Length', 'Upload-Length', 'Upload-Metadata',
  'Upload-Offset', 'X-HTTP-Method-Override', 'X-Requested-With', 'X-Forwarded-Host',
  'X-Forwarded-Proto', 'Forwarded', 'Upload-Expires', 'Tus-Checksum-Algorithm', 'Retry-After',
].join(', ');

const TUS_METHODS = ['POST', 'PATCH', 'HEAD', 'DELETE'];

/**
 * mulberry32: a small, fast, seedable PRNG; returns floats in [0, 1). The seed goes through
 * murmur3's finalizer first, so that neighbouring seeds (1, 2, 3...) give unrelated sequences.
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  a = Math.imul(a ^ (a >>> 16), 0x85ebca6b) >>> 0;
  a = Math.imul(a ^ (a >>> 13), 0xc2b2ae35) >>> 0;
  a = (a ^ (a >>> 16)) >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pathOf(url) {
  return (url || '/').split('?')[0];
}

function isTusPath(p) {
  return p === '/files' || p.startsWith('/files/');
}

/** Copies rawHeaders ([k, v, k, v...]) into a [k, v] list without hop-by-hop headers. */
function forwardableHeaders(rawHeaders, rewrite) {
  const out = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (HOP_BY_HOP.has(name.toLowerCase())) continue;
    out.push([name, rewrite ? rewrite(name, rawHeaders[i + 1]) : rawHeaders[i + 1]]);
  }
  return out;
}

function flatten(pairs) {
  const flat = [];
  for (const [k, v] of pairs) flat.push(k, v);
  return flat;
}

/**
 * Starts the proxy. `upstream` is the origin of the real server (e.g. srv.url).
 * Options: port (0 = any), onUpstreamError: 'reset' (default: destroy the client connection,
 * as if the client talked to the dead server directly) or '502' (answer 502 like a gateway).
 */
export async function startFaultProxy({ upstream, pages, tusPath = '/files', port = 0, host = '127.0.0.1', onUpstreamError = 'reset' } = {}) {
  if (!upstream) throw new Error('startFaultProxy needs { upstream }');
  let upstreamUrl = new URL(upstream);
  const pagesUrl = pages && new URL(pages);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const events = new EventEmitter();
  const sockets = new Set();
  const faults = []; // installed faults, checked in order
  const held = new Set(); // stalled or blackholed exchanges: { req, res, release() }
  const log = [];
  let seq = 0;
  let patchBytesForwarded = 0;
  let offlineMode = null; // null | 'refuse' | 'blackhole'
  let offlineTimer = null;
  let random = null; // { next(), rate, kinds, methods, stallMs, fired }
  const randomLog = []; // every random fault fired since start, kept after clearFaults()/close()
  let origin = null;
  let link = null; // throttle(): { bytesPerMs, delayMs, queueBytes, perConnection, busyUntil }
  const conns = new WeakMap(); // socket -> { id, busyUntil, used }
  let connections = 0;
  const muted = new Map(); // silenced socket -> its real destroy()
  let silent = false; // silence() until wake(): new connections are refused

  const server = http.createServer(handle);
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    conns.set(socket, { id: ++connections, busyUntil: 0, used: false });
    socket.on('close', () => sockets.delete(socket));
    if (offlineMode === 'refuse' || silent) socket.destroy();
  });
  // A client that resets its own connection mid-request must not crash the proxy.
  server.on('clientError', (err, socket) => socket.destroy());

  async function listen(p) {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => { server.off('error', reject); resolve(); });
    });
  }
  await listen(port);
  const actualPort = server.address().port;
  origin = `http://${host}:${actualPort}`;

  function rewriteLocation(name, value) {
    if (name.toLowerCase() !== 'location') return value;
    try {
      const u = new URL(value, upstreamUrl);
      if (u.origin === upstreamUrl.origin && /^https?:\/\//i.test(value)) return origin + u.pathname + u.search + u.hash;
    } catch { /* leave it as it is */ }
    return value;
  }

  // ---- faults -------------------------------------------------------------------------

  /**
   * Installs a fault. Spec:
   *   method       'PATCH' | 'HEAD' | 'POST' | 'DELETE' | ... (required); path: RegExp (optional)
   *   when(info)   optional predicate on { method, path, headers, uploadOffset, contentLength }
   *   nth          fire from the nth matching request on (1-based, counted from install; default 1)
   *   times        how many times to fire (default 1; Infinity = until removed)
   *   action       'reset'  (afterBytes: forward that many body bytes, then destroy both sides)
   *                'stall'  (drain the body, never answer; released after durationMs, or by
   *                          clearFaults()/release(); release destroys the connection)
   *                'status' (status, headers, body: drain the body and answer instead of forwarding)
   *                'close'  (destroy the client connection at once, nothing forwarded)
   *                'corrupt' (forward, with the body byte at offset `at` (default 1000) XOR 0xff)
   *                'before'  (run(info): awaited, then the request is forwarded as is; e.g. to
   *                          change the server's state just before it sees this request)
   * Returns a handle { spec, matched, fired, remove() }.
   */
  function inject(spec) {
    if (!spec || !spec.method || !spec.action) throw new Error('inject needs { method, action }');
    if (!['reset', 'stall', 'status', 'close', 'corrupt', 'before'].includes(spec.action)) throw new Error(`unknown action ${spec.action}`);
    if (spec.action === 'status' && !Number.isInteger(spec.status)) throw new Error('status action needs { status }');
    const fault = {
      spec: { nth: 1, times: 1, ...spec, method: spec.method.toUpperCase() },
      matched: 0,
      fired: 0,
      remove() { const i = faults.indexOf(fault); if (i >= 0) faults.splice(i, 1); },
    };
    faults.push(fault);
    return fault;
  }

  /** Removes every installed fault and random mode; releases every stalled request. */
  function clearFaults() {
    faults.length = 0;
    random = null;
    release();
  }

  /** Ends every stalled request now (their connections are destroyed). */
  function release() {
    for (const h of [...held]) if (!h.blackhole) h.release();
  }

  /**
   * Random faults on TUS requests, driven by a seeded PRNG so a run can be replayed: each
   * request of `methods` (default PATCH and HEAD) gets a fault with probability `rate`.
   * kinds: subset of ['reset', 'stall', '500', '502', '503', '423', '429', '409'] (default all).
   * A reset cuts a PATCH at a random byte of its body; 503/429 carry Retry-After: 1; a stall
   * is held for stallMs (default 10 s) or until the client gives up.
   */
  function randomFaults({ seed, rate = 0.15, kinds, methods = ['PATCH', 'HEAD'], stallMs = 10_000 } = {}) {
    if (!Number.isInteger(seed)) throw new Error('randomFaults needs an integer seed');
    const next = mulberry32(seed);
    random = {
      next, rate, stallMs,
      kinds: kinds ?? ['reset', 'stall', '500', '502', '503', '423', '429', '409'],
      methods: methods.map((m) => m.toUpperCase()),
      fired: [],
    };
    return random;
  }

  function pickFault(info) {
    for (const fault of faults) {
      const s = fault.spec;
      if (s.method !== info.method) continue;
      if (s.path && !s.path.test(info.path)) continue;
      if (s.when && !s.when(info)) continue;
      fault.matched++;
      if (fault.matched < s.nth || fault.fired >= s.times) continue;
      fault.fired++;
      if (fault.fired >= s.times && s.times !== Infinity) fault.remove();
      return { ...s };
    }
    if (random && isTusPath(info.path) && random.methods.includes(info.method)) {
      // Draw the same number of values per request so a seed gives the same schedule.
      const roll = random.next();
      const kindRoll = random.next();
      const byteRoll = random.next();
      if (roll < random.rate) {
        let kinds = random.kinds;
        if (info.method !== 'PATCH') kinds = kinds.filter((k) => k !== 'reset' && k !== '409');
        if (kinds.length === 0) return null;
        const kind = kinds[Math.floor(kindRoll * kinds.length)];
        let spec;
        if (kind === 'reset') spec = { action: 'reset', afterBytes: Math.floor(byteRoll * (info.contentLength ?? 0)) };
        else if (kind === 'stall') spec = { action: 'stall', durationMs: random.stallMs };
        else {
          const status = Number(kind);
          const headers = status === 503 || status === 429 ? { 'Retry-After': '1' } : {};
          spec = { action: 'status', status, headers };
        }
        spec.random = true;
        const record = { seq: info.seq, method: info.method, path: info.path, kind, ...spec };
        random.fired.push(record);
        randomLog.push(record);
        return spec;
      }
    }
    return null;
  }

  /**
   * Throttles the upload direction of TUS requests (the page is never throttled), or stops
   * throttling with null: request bodies leave at `bytesPerSec`, through one bucket shared by
   * every connection or one per TCP connection (`perConnection`, as per-flow limits on real
   * paths do); with `delayMs` each way, request heads and body bytes reach the upstream that
   * much later, answers reach the client that much later, and a new connection's first
   * request waits one more round trip (the TCP handshake's); beyond `queueBytes` in flight the
   * proxy stops reading the client, so TCP flow control pushes back on it. It does not model
   * congestion control, loss or jitter.
   */
  function throttle(spec) {
    link = spec && { delayMs: 0, queueBytes: 640 * 1024, perConnection: false, ...spec, bytesPerMs: spec.bytesPerSec / 1000, busyUntil: 0 };
  }

  // ---- offline --------------------------------------------------------------------------

  /**
   * Takes the whole proxy offline. mode 'refuse': stop listening and destroy every open
   * connection (new connections are refused); 'blackhole': accept connections and requests but
   * never answer. With durationMs it comes back by itself; otherwise call online().
   */
  async function offline({ mode = 'refuse', durationMs } = {}) {
    if (!['refuse', 'blackhole'].includes(mode)) throw new Error(`unknown offline mode ${mode}`);
    await online();
    offlineMode = mode;
    events.emit('offline', { mode });
    if (mode === 'refuse') {
      await new Promise((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    } else {
      for (const s of sockets) s.destroy(); // in-flight requests die, like a dropped network
    }
    if (durationMs !== undefined) {
      offlineTimer = setTimeout(() => { online().catch((err) => events.emit('error', err)); }, durationMs);
    }
  }

  /** Ends an outage: listens again on the same port, destroys what the blackhole held. */
  async function online() {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    const was = offlineMode;
    if (!was) return;
    offlineMode = null;
    for (const h of [...held]) if (h.blackhole) h.release();
    if (was === 'refuse') await listen(actualPort);
    events.emit('online', { mode: was });
  }

  /** Destroys every open client connection now (in-flight requests fail), like a network drop; silenced ones too. */
  function dropConnections() {
    for (const h of [...held]) h.release();
    for (const [socket, destroy] of muted) { sockets.delete(socket); destroy(); }
    muted.clear();
    for (const s of sockets) s.destroy();
  }

  // ---- silence ---------------------------------------------------------------------------

  /**
   * A sleep whose network does not come back the same: every open connection goes silent for
   * good. Nothing more it sends reaches the upstream, nothing reaches it (answers are
   * swallowed; no reset and no FIN is ever sent: the client learns nothing), and a request
   * sent on it later is never answered. Until wake(), new connections are refused. The
   * connections silenced stay silent after wake(), as connections through a dead NAT mapping
   * do; only close() ends them. What the upstream had received stays there: a server that
   * holds an unfinished PATCH sees it hang, as it would.
   */
  function silence() {
    silent = true;
    for (const socket of sockets) mute(socket);
    events.emit('silence');
  }

  /** The network is back: new connections are accepted again (the silenced ones stay silent). */
  function wake() {
    silent = false;
    events.emit('wake');
  }

  function mute(socket) {
    if (muted.has(socket)) return;
    muted.set(socket, socket.destroy.bind(socket));
    // Below every write path (write, cork/uncork, end): the bytes go nowhere.
    socket._write = (chunk, encoding, callback) => callback();
    socket._writev = (chunks, callback) => callback();
    socket._final = () => {};
    socket.end = () => socket;
    socket.destroy = () => socket;
    socket.destroySoon = () => {};
    socket.resetAndDestroy = () => socket;
    socket.setTimeout(0);
  }

  // ---- the exchange -----------------------------------------------------------------------

  function handle(req, res) {
    const path = pathOf(req.url);
    const contentLength = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : null;
    const uploadOffset = req.headers['upload-offset'] !== undefined ? Number(req.headers['upload-offset']) : null;
    const entry = {
      seq: ++seq, method: req.method, path, uploadOffset, contentLength,
      connection: conns.get(req.socket)?.id, status: null, responseOffset: null, bytesIn: 0, bytesForwarded: 0, fault: null, outcome: null, reached: false,
      checksum: req.headers['upload-checksum'] ?? null, corrupted: false,
      uploadLength: req.headers['upload-length'] ?? null, deferLength: req.headers['upload-defer-length'] ?? null,
      startedAt: Date.now(), endedAt: null,
    };
    log.push(entry);
    let done = false;
    const finish = (outcome, status = entry.status) => {
      if (done) return;
      done = true;
      entry.outcome = outcome;
      entry.status = status;
      entry.endedAt = Date.now();
      events.emit('exchange', entry);
    };
    const info = { method: req.method, path, headers: req.headers, uploadOffset, contentLength, seq: entry.seq };
    events.emit('request', info);

    if (muted.has(req.socket)) { countIn(req, entry); req.resume(); return finish('silenced'); }
    if (offlineMode === 'blackhole') return hold(req, res, entry, finish, { blackhole: true });
    if (offlineMode === 'refuse') { req.socket.destroy(); return finish('refused'); }

    const fault = pickFault(info);
    if (fault) {
      entry.fault = fault.action === 'status' ? `status ${fault.status}` : fault.action;
      if (fault.action === 'reset' && fault.afterBytes !== undefined) entry.fault += ` after ${fault.afterBytes}`;
      if (fault.random) entry.fault += ' (random)';
      events.emit('fault', { ...info, fault });
    }
    if (fault?.action === 'close') { req.socket.destroy(); return finish('closed'); }
    if (fault?.action === 'stall') return hold(req, res, entry, finish, { durationMs: fault.durationMs });
    if (fault?.action === 'status') return answer(req, res, entry, finish, fault);
    const to = pagesUrl && !path.startsWith(tusPath) ? pagesUrl : upstreamUrl;
    if (fault?.action === 'before') {
      // Not read until forwarded: the body waits in the request's buffer meanwhile.
      Promise.resolve().then(() => fault.run(info)).catch(() => {}).then(() => forward(req, res, entry, finish, null, to, null));
      return;
    }
    const corruptAt = fault?.action === 'corrupt' ? fault.at ?? 1000 : null;
    return forward(req, res, entry, finish, fault?.action === 'reset' ? fault.afterBytes ?? 0 : null, to, corruptAt);
  }

  function countIn(req, entry) {
    req.on('data', (chunk) => { entry.bytesIn += chunk.length; });
  }

  /** Reads and discards the body, never answers; the connection is destroyed on release. */
  function hold(req, res, entry, finish, { durationMs, blackhole = false }) {
    countIn(req, entry);
    req.resume();
    let timer = null;
    const h = {
      req, res, blackhole,
      release() {
        held.delete(h);
        clearTimeout(timer);
        req.socket.destroy();
        finish(blackhole ? 'blackholed' : 'stalled');
      },
    };
    held.add(h);
    if (durationMs !== undefined && durationMs !== Infinity) timer = setTimeout(() => h.release(), durationMs);
    // The client gave up (stall timeout, abort): nothing left to hold.
    res.on('close', () => { if (held.has(h)) h.release(); });
  }

  /** Drains the body, then answers `status` itself; nothing reaches the upstream. */
  function answer(req, res, entry, finish, { status, headers = {}, body }) {
    countIn(req, entry);
    const text = body ?? `fault-proxy: injected ${status}\n`;
    const send = () => {
      if (res.destroyed) return finish('client-closed', null);
      res.writeHead(status, {
        'Content-Type': 'text/plain; charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
        'Tus-Resumable': '1.0.0',
        'Cache-Control': 'no-store',
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Expose-Headers': EXPOSE_HEADERS,
        ...headers,
      });
      res.end(req.method === 'HEAD' ? undefined : text);
      res.on('finish', () => finish('answered', status));
    };
    req.on('end', send);
    req.on('error', () => finish('client-error', null));
    res.on('close', () => finish('client-closed', null));
    req.resume();
  }

  /** Forwards to the upstream; with resetAfter, cuts both connections after that many body bytes. */
  function forward(req, res, entry, finish, resetAfter, to, corruptAt) {
    const isPatch = req.method === 'PATCH';
    const headers = forwardableHeaders(req.rawHeaders);
    const up = http.request({
      agent,
      host: to.hostname,
      port: to.port,
      method: req.method,
      path: req.url,
      headers: flatten(headers),
    });
    // Throttled, what goes upstream waits in `queue` until its arrival time.
    const conn = conns.get(req.socket);
    const lk = link && isTusPath(entry.path) ? link : null;
    const bucket = lk && (lk.perConnection ? conn : lk);
    const delay = lk?.delayMs ?? 0;
    const headArrival = bucket ? performance.now() + delay + (conn.used ? 0 : 2 * delay) : 0;
    if (bucket) conn.used = true;
    const queue = [];
    let queued = 0;
    let timer = null;
    const pump = () => {
      timer = null;
      const now = performance.now();
      while (queue.length > 0 && queue[0].at <= now && !up.destroyed) {
        const { chunk } = queue.shift();
        if (chunk === null) { up.end(); continue; }
        queued -= chunk.length;
        up.write(chunk);
      }
      if (queued <= lk.queueBytes && req.isPaused() && !cut) req.resume();
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
    };
    /** Sends `chunk` (null: the end) upstream now, or at its arrival time; false: stop reading. */
    const send = (chunk) => {
      if (!bucket) return chunk === null ? up.end() : up.write(chunk);
      const now = performance.now();
      let at = Math.max(now + delay, queue.at(-1)?.at ?? 0, headArrival);
      if (chunk !== null) {
        bucket.busyUntil = Math.max(now, bucket.busyUntil) + chunk.length / lk.bytesPerMs;
        at = Math.max(bucket.busyUntil + delay, headArrival);
        queued += chunk.length;
      }
      queue.push({ at, chunk });
      if (!timer) timer = setTimeout(pump, Math.max(0, queue[0].at - now));
      return queued <= lk.queueBytes;
    };
    let cut = false; // no more body bytes go upstream
    let killed = false;
    let answered = false; // the upstream's answer is complete: body bytes after it are dropped
    const done = () => entry.outcome !== null;
    up.on('socket', (s) => {
      if (s.connecting) s.once('connect', () => { entry.reached = true; });
      else entry.reached = true;
    });
    const cutBoth = (outcome) => {
      if (killed) return;
      killed = true;
      cut = true;
      req.unpipe?.(up);
      req.pause();
      up.destroy();
      req.socket.destroy();
      finish(outcome, null);
    };

    up.on('response', (upRes) => {
      if (killed) { upRes.destroy(); return; }
      const resHeaders = forwardableHeaders(upRes.rawHeaders, rewriteLocation);
      // An upstream that closes after answering (@tus/server does on errors, often before the
      // request body is in) must look the same through the proxy: the client's connection
      // closes too, instead of lingering in keep-alive while the body is still being sent.
      if (/\bclose\b/i.test(String(upRes.headers.connection ?? ''))) resHeaders.push(['Connection', 'close']);
      upRes.on('end', () => { answered = true; });
      entry.status = upRes.statusCode;
      if (upRes.headers['upload-offset'] !== undefined) entry.responseOffset = Number(upRes.headers['upload-offset']);
      const reply = () => {
        if (res.destroyed) { upRes.destroy(); return; }
        if (muted.has(req.socket)) { upRes.resume(); finish('silenced', upRes.statusCode); return; }
        res.writeHead(upRes.statusCode, upRes.statusMessage, flatten(resHeaders));
        upRes.pipe(res);
      };
      if (bucket && delay > 0) setTimeout(reply, delay); else reply();
      upRes.on('error', () => { req.socket.destroy(); finish('upstream-error', entry.status); });
      upRes.on('aborted', () => { req.socket.destroy(); finish('upstream-aborted', entry.status); });
      res.on('finish', () => finish('forwarded', upRes.statusCode));
    });
    up.on('error', (err) => {
      if (killed || done()) return;
      entry.error = err.code ?? err.message;
      if (!res.headersSent && onUpstreamError === '502') {
        req.resume();
        res.writeHead(502, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Access-Control-Allow-Origin': '*',
          'Access-Control-Expose-Headers': EXPOSE_HEADERS,
        });
        res.end(`fault-proxy: upstream ${err.code ?? err.message}\n`);
        finish('upstream-error', 502);
      } else {
        req.socket.destroy();
        finish('upstream-error', null);
      }
    });
    // The client went away before the answer was complete: let the upstream see it too.
    res.on('close', () => {
      clearTimeout(timer);
      if (!res.writableFinished) {
        up.destroy();
        finish(killed ? 'reset' : 'client-closed', null);
      }
    });
    if (resetAfter === 0) {
      // Headers go upstream, no body byte does; then both connections die.
      up.flushHeaders();
      req.pause();
      setTimeout(() => cutBoth('reset'), 20);
      return;
    }
    req.on('data', (chunk) => {
      if (cut) return;
      entry.bytesIn += chunk.length;
      // Silenced: the rest of the body never arrives upstream.
      if (muted.has(req.socket)) { entry.silenced = true; return; }
      if (answered) return;
      let piece = chunk;
      let last = false;
      if (corruptAt !== null && corruptAt >= entry.bytesForwarded && corruptAt < entry.bytesForwarded + chunk.length) {
        piece = Buffer.from(chunk);
        piece[corruptAt - entry.bytesForwarded] ^= 0xff;
        entry.corrupted = true;
      }
      if (resetAfter !== null && entry.bytesForwarded + chunk.length >= resetAfter) {
        piece = chunk.subarray(0, resetAfter - entry.bytesForwarded);
        last = true;
      }
      if (piece.length > 0) {
        entry.bytesForwarded += piece.length;
        if (isPatch) patchBytesForwarded += piece.length;
      }
      if (last) {
        req.pause();
        // Let the bytes reach the upstream's socket before cutting, so it keeps them.
        cut = true;
        up.write(piece, () => setTimeout(() => cutBoth('reset'), 20));
        return;
      }
      if (bucket) {
        if (!send(piece)) req.pause();
      } else if (!up.write(piece)) {
        req.pause();
        up.once('drain', () => { if (!cut) req.resume(); });
      }
    });
    // Silenced, the end of the body never arrives either: the upstream waits, as a server does.
    req.on('end', () => { if (!cut && !muted.has(req.socket)) send(null); });
    req.on('error', () => { up.destroy(); finish('client-error', null); });
  }

  // ---- reporting ------------------------------------------------------------------------

  /** TUS requests per method that reached the upstream (connected and sent, whatever came back). */
  function counts() {
    const out = {};
    for (const e of log) {
      if (!e.reached || !isTusPath(e.path)) continue;
      out[e.method] = (out[e.method] ?? 0) + 1;
    }
    return out;
  }

  async function close() {
    clearTimeout(offlineTimer);
    for (const [socket, destroy] of muted) { sockets.delete(socket); destroy(); }
    muted.clear();
    for (const h of [...held]) h.release();
    faults.length = 0;
    random = null;
    agent.destroy();
    await new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  }

  return {
    url: `${origin}/`,
    origin,
    port: actualPort,
    log,
    events,
    get patchBytesForwarded() { return patchBytesForwarded; },
    get offlineMode() { return offlineMode; },
    get silent() { return silent; },
    /** Random faults fired under the current randomFaults() call. */
    get randomFired() { return random?.fired ?? []; },
    /** Every random fault fired since the proxy started (kept after clearFaults() and close()). */
    randomLog,
    get upstream() { return upstreamUrl.href; },
    setUpstream(u) { upstreamUrl = new URL(u); },
    inject,
    clearFaults,
    release,
    dropConnections,
    randomFaults,
    throttle,
    get connections() { return connections; },
    offline,
    online,
    silence,
    wake,
    pause: (o = {}) => offline({ ...o, mode: 'refuse' }),
    blackhole: (o = {}) => offline({ ...o, mode: 'blackhole' }),
    counts,
    close,
  };
}

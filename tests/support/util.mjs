// The small constants and helpers every test, script and benchmark shares, defined once: the
// repository root, byte units, sleep, a free loopback port, and the upload id a TUS URL ends
// with. Nothing here starts a process, opens a browser or asserts.
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The last path segment of a URL or path, decoded: the id a TUS upload URL ends with. */
export function uploadId(urlOrPath) {
  if (!urlOrPath) return null;
  let p = String(urlOrPath);
  try { p = new URL(p, 'http://x').pathname; } catch { /* keep as is */ }
  const seg = p.split('/').filter(Boolean).pop();
  return seg ? decodeURIComponent(seg) : null;
}

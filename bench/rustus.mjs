// Starts rustus 0.5.10 (the binary scripts/setup.sh installs with cargo; found by
// tests/servers/harness.mjs's rustusBinary()) on a free 127.0.0.1 port, storing uploads in a
// dir of ours (each finished upload is the file <dir>/<id>, its info <dir>/<id>.info; a
// concatenated upload's final file too), and stops it by its PID (SIGTERM, SIGKILL after
// 10 s). It installs nothing and signals no other process.
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import { freePort } from '../scripts/seaweedfs.mjs';
import { rustusBinary } from '../tests/servers/harness.mjs';

/** Resolves to { origin, endpoint, dataDir, pid, version, clear(), stop() }. */
export async function startRustus({ dataDir }) {
  const bin = rustusBinary();
  if (!bin) throw new Error('rustus is not installed: run scripts/setup.sh');
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const child = spawn(bin, ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir, '--info-dir', dataDir,
    '--url', '/files', '--max-body-size', String(2 * 1024 * 1024 * 1024)], { env: { ...process.env, RUST_LOG: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { if (output.length < 20_000) output += d; });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const origin = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited) return;
    try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
    const t = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
    await exit;
    clearTimeout(t);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`rustus exited before it was ready:\n${output}`);
    const ok = await fetch(`${origin}/files/`, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } }).then((r) => r.headers.has('tus-version'), () => false);
    if (ok) break;
    if (Date.now() > deadline) { await stop(); throw new Error(`rustus was not ready within 30 s:\n${output}`); }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    origin, endpoint: `${origin}/files/`, dataDir, pid: child.pid, version: '0.5.10',
    /** Deletes every upload rustus stored in dataDir (only after the uploads are over). */
    async clear() {
      for (const f of await fsp.readdir(dataDir)) await fsp.rm(`${dataDir}/${f}`, { recursive: true, force: true });
    },
    stop,
  };
}

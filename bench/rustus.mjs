// Starts rustus 0.5.10 (the binary scripts/setup.sh installs with cargo) on a free 127.0.0.1
// port through tests/support/process.mjs's supervisor, storing uploads in a dir of ours (each
// finished upload is the file <dir>/<id>, its info <dir>/<id>.info; a concatenated upload's
// final file too), and stops it by its PID (SIGTERM, SIGKILL after 10 s). It installs nothing
// and signals no other process.
import fsp from 'node:fs/promises';
import { answersTus, findProgram, startProcess } from '../tests/support/process.mjs';
import { GiB, freePort } from '../tests/support/util.mjs';

/** Resolves to { origin, endpoint, dataDir, pid, version, clear(), stop() }. */
export async function startRustus({ dataDir }) {
  const bin = findProgram('rustus');
  if (!bin) throw new Error('rustus is not installed: run scripts/setup.sh');
  await fsp.mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const proc = await startProcess('rustus', bin, ['--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir,
    '--info-dir', dataDir, '--url', '/files', '--max-body-size', String(2 * GiB)], {
    env: { RUST_LOG: 'warn' }, timeoutMs: 30_000, ready: () => answersTus(`${origin}/files/`),
  });
  return {
    origin, endpoint: `${origin}/files/`, dataDir, pid: proc.pid, version: '0.5.10', stop: () => proc.stop(),
    /** Deletes every upload rustus stored in dataDir (only after the uploads are over). */
    async clear() {
      for (const f of await fsp.readdir(dataDir)) await fsp.rm(`${dataDir}/${f}`, { recursive: true, force: true });
    },
  };
}

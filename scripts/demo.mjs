// The demo: serves the demo page (www/), the built package (dist/) and a real @tus/server at
// /files/ on 127.0.0.1 until Ctrl-C. Uploads land in .demo-uploads/ in the repo.
// It does not build anything (`npm run demo` builds first) and never listens beyond loopback.
//
//   node scripts/demo.mjs [--port N]     (default port 8080)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function parsePort(argv) {
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i].startsWith('--port=')) port = Number(argv[i].slice('--port='.length));
    else throw new Error(`unknown argument: ${argv[i]} (usage: node scripts/demo.mjs [--port N])`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port needs a number from 0 to 65535');
  return port;
}

let port;
try {
  port = parsePort(process.argv.slice(2));
} catch (err) {
  console.error(err.message);
  process.exit(2);
}

const srv = await startServer({ host: '127.0.0.1', port, dataDir: path.join(root, '.demo-uploads') });
console.log(`ferry demo: ${srv.url}`);
console.log(`uploads are stored in ${path.relative(root, srv.dataDir)}/ — press Ctrl-C to stop`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await srv.close();
  console.log('\nstopped');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

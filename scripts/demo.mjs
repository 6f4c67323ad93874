// The demo: serves the demo page (www/), the built package (dist/) and a real @tus/server at
// /files/ on 127.0.0.1 until Ctrl-C. Uploads land in .demo-uploads/ in the repo.
// With --s3 the uploads go to S3 instead: SeaweedFS (tests/support/seaweedfs.mjs) runs as an S3
// store with its data in .demo-seaweedfs/, and @tus/server writes through @tus/s3-store.
// It does not build anything (`npm run demo` builds first) and never listens beyond loopback.
//
//   node scripts/demo.mjs [--port N] [--s3]     (default port 8080)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../tests/support/serve.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let s3 = false;
function parsePort(argv) {
  let port = 8080;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--s3') s3 = true;
    else if (argv[i] === '--port') port = Number(argv[++i]);
    else if (argv[i].startsWith('--port=')) port = Number(argv[i].slice('--port='.length));
    else throw new Error(`unknown argument: ${argv[i]} (usage: node scripts/demo.mjs [--port N] [--s3])`);
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

let weed = null;
let datastore;
if (s3) {
  const { startSeaweed, s3StoreOptions } = await import('../tests/support/seaweedfs.mjs');
  const { S3Store } = await import('@tus/s3-store');
  weed = await startSeaweed({ dir: path.join(root, '.demo-seaweedfs') });
  datastore = new S3Store(s3StoreOptions(weed));
}
const srv = await startServer({ host: '127.0.0.1', port, dataDir: path.join(root, '.demo-uploads'), datastore })
  .catch(async (err) => { await weed?.stop(); throw err; });
console.log(`ferry demo: ${srv.url}`);
if (weed) {
  console.log(`uploads become objects in the S3 bucket "${weed.bucket}" of SeaweedFS (S3 API ${weed.s3Endpoint}, `
    + `key ${weed.credentials.accessKeyId}, secret ${weed.credentials.secretAccessKey}); browse them at ${weed.filerUrl}/buckets/${weed.bucket}/`);
  console.log('press Ctrl-C to stop');
} else {
  console.log(`uploads are stored in ${path.relative(root, srv.dataDir)}/ — press Ctrl-C to stop`);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await srv.close();
  await weed?.stop();
  console.log('\nstopped');
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

// Child-process launcher of @tus/server for the server matrix (tests/support/servers.mjs):
// tests/support/serve.mjs's server (TUS at /files/, exchange log, static files) with either a
// FileStore in --data or an @tus/s3-store S3Store on a running SeaweedFS (--s3 '<json>' as
// printed by the harness: { s3Endpoint, bucket, credentials, region }). Prints its URL as the
// first line of stdout and runs until SIGTERM. It starts no SeaweedFS itself and listens on
// 127.0.0.1 only.
//
//   node tests/support/tus-node.mjs --store file --data DIR [--max-size N]
//   node tests/support/tus-node.mjs --store s3 --s3 JSON [--part-size N] [--max-size N]
import { startServer } from './serve.mjs';
import { s3StoreOptions } from './seaweedfs.mjs';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

let datastore;
if (args.store === 's3') {
  const { S3Store } = await import('@tus/s3-store');
  const weed = JSON.parse(args.s3);
  datastore = new S3Store(s3StoreOptions(weed, { partSize: args['part-size'] ? Number(args['part-size']) : undefined }));
} else if (args.store !== 'file') {
  console.error('usage: tus-node.mjs --store file|s3 ...');
  process.exit(2);
}

const srv = await startServer({
  port: 0, dataDir: args.data, datastore, maxSize: args['max-size'] ? Number(args['max-size']) : undefined,
});
console.log(srv.url);
const stop = () => srv.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

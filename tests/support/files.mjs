// Test files on disk and their hashes: random files (their SHA-256 computed while writing),
// sparse files with random bytes only in chosen ranges (larger than 4 GiB without using the
// disk), and the streamed SHA-256 (and size) of a file or a stream. It writes only where it is told to.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { MiB } from './util.mjs';

/** Writes `size` random bytes to `file`; resolves to { path, size, sha256 }. */
export async function writeRandomFile(file, size) {
  const hash = crypto.createHash('sha256');
  const out = await fsp.open(file, 'w');
  try {
    const block = Buffer.allocUnsafe(8 * MiB);
    for (let left = size; left > 0;) {
      const n = Math.min(left, block.length);
      crypto.randomFillSync(block, 0, n);
      hash.update(block.subarray(0, n));
      await out.write(block, 0, n);
      left -= n;
    }
  } finally {
    await out.close();
  }
  return { path: file, size, sha256: hash.digest('hex') };
}

/** { sha256, size } of what `stream` yields (a file's read stream, an HTTP body, an S3 object). */
export async function hashStream(stream) {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of stream) { hash.update(chunk); size += chunk.length; }
  return { sha256: hash.digest('hex'), size };
}

/** { sha256, size } of a file on disk, streamed. */
export const hashFile = (file) => hashStream(fs.createReadStream(file, { highWaterMark: 4 * MiB }));

/** SHA-256 (hex) of a file on disk, streamed. */
export async function sha256File(file) {
  return (await hashFile(file)).sha256;
}

/**
 * A sparse file of `size` bytes: holes everywhere except random bytes in `ranges`
 * ([[start, end], ...]). Resolves to the SHA-256 of each range's bytes.
 */
export async function writeSparseFile(file, size, ranges) {
  execFileSync('truncate', ['-s', String(size), file]);
  const fh = await fsp.open(file, 'r+');
  try {
    const hashes = [];
    for (const [start, end] of ranges) {
      const bytes = crypto.randomBytes(end - start);
      await fh.write(bytes, 0, bytes.length, start);
      hashes.push(crypto.createHash('sha256').update(bytes).digest('hex'));
    }
    return hashes;
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of `file` as hex. */
export async function headHex(file, n = 32) {
  const fh = await fsp.open(file);
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead).toString('hex');
  } finally {
    await fh.close();
  }
}

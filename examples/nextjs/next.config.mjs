// Next.js configuration of the example. Nothing ferry-specific is needed: the package's
// wasm is found with new URL(..., import.meta.url), which webpack and Turbopack emit as an
// asset on their own. The roots are pinned to this folder so that a lockfile further up
// (e.g. the ferry repository's) is not taken for a workspace root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** @type {import('next').NextConfig} */
const config = {
  outputFileTracingRoot: here,
  turbopack: { root: here },
  // Lets the example's test build a second time with webpack next to the Turbopack build.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // The TUS server (tus-server.mjs) is a separate process; nothing here proxies uploads.
};

export default config;

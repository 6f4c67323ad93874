// Prepares the benchmark page in a temp dir laid out the way tests/support/serve.mjs serves it
// (`root` option): <dir>/www holds the test page (tests/support/page/: index.html, recorder.js
// with the capture.js it imports, bench.js) and tus-js-client 4.3.1 bundled for the
// browser with esbuild (its "browser" build, platform 'browser', ES module), <dir>/dist is a
// symlink to the repo's built dist/ (startServer({ root: dir }) serves both).
// It does not build dist/ (npm run bench does), write into the repo, or serve anything itself.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Creates `<dir>/www` and `<dir>/dist`; resolves to dir. */
export async function preparePageRoot(dir) {
  const www = path.join(dir, 'www');
  await fsp.mkdir(www, { recursive: true });
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) throw new Error('dist/ is not built: run `node scripts/build.mjs` first');
  await fsp.symlink(path.join(ROOT, 'dist'), path.join(dir, 'dist'), 'dir');
  for (const f of ['index.html', 'recorder.js', 'capture.js', 'bench.js']) await fsp.copyFile(path.join(ROOT, 'tests', 'support', 'page', f), path.join(www, f));
  await esbuild.build({
    stdin: { contents: "export { Upload } from 'tus-js-client';", resolveDir: ROOT, loader: 'js' },
    bundle: true, platform: 'browser', format: 'esm', minify: true, target: 'es2020',
    outfile: path.join(www, 'tus-js-client.js'), logLevel: 'warning',
  });
  return dir;
}

/** The installed tus-js-client version (from its package.json). */
export function tusJsClientVersion() {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'tus-js-client', 'package.json'), 'utf8')).version;
}

// End-to-end test of the Next.js example: packs the repo's built package (dist/), installs
// the tarball into this app (`npm install`, registry for next/react on the first run, cache
// afterwards), runs `next build` (no SSR import errors, the .wasm emitted, the signing secret
// nowhere in the client output), starts `next start` and tus-server.mjs on 127.0.0.1, checks
// the token route and that the TUS server refuses requests without a valid token, then
// uploads a file picked through the page's <input type=file> in headless Chromium and
// Firefox and compares the stored bytes. It stops only the processes it started, by PID.
// Run from the repo root: `npm run test:integrations` (after `node scripts/build.mjs`).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PUPPETEER_ENGINES as BROWSERS, launchPuppeteer as launch } from '../../../tests/support/browsers.mjs';
import { sha256File, writeRandomFile } from '../../../tests/support/files.mjs';
import { startProcess } from '../../../tests/support/process.mjs';
import { freePort } from '../../../tests/support/util.mjs';

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(app, '..', '..');
const MIN = 60_000;
const timings = {};
const children = [];
let tmp;
let appUrl;
let webpackUrl;
let webpackOutput = '';
let tusEndpoint;
let uploadDir;
let runtimeSecret;
let buildOutput = '';

const BUILD_SECRET = `build-time-secret-${crypto.randomBytes(16).toString('hex')}`;
const baseEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

function run(cmd, args, { env = baseEnv, timeout = 10 * MIN, stdoutOnly = false } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: app, env, timeout, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdoutOnly ? stdout : `${stdout}${stderr}`);
    });
  });
}

async function timed(name, fn) {
  const t0 = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  }
}

/** Starts a long-running child in its own process group; resolves to its match of `ready`. */
async function startChild(cmd, args, env, ready, timeout = MIN) {
  const proc = await startProcess(`${cmd} ${args.join(' ')}`, cmd, args, { cwd: app, env, group: true, graceMs: 5000, timeoutMs: timeout, ready: (out) => out.match(ready) });
  children.push(proc);
  return { match: proc.ready, output: proc.output };
}

async function waitHttp(url, timeout = MIN) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return res;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`${url} did not answer in ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function filesUnder(dir) {
  const out = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) out.push(path.join(e.parentPath ?? e.path, e.name));
  return out;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(repo, 'dist', 'index.js')), 'dist/ is not built: run `node scripts/build.mjs` first');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-nextjs-'));
  await timed('npm pack', async () => {
    const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', tmp, repo], { stdoutOnly: true }));
    await fsp.copyFile(path.join(tmp, packed.filename), path.join(app, 'ferry-upload.tgz'));
  });
  await timed('npm install', async () => {
    // The tarball changes with every build: drop the installed copy and its lock entry so npm takes the new one.
    await fsp.rm(path.join(app, 'node_modules', 'ferry-upload'), { recursive: true, force: true });
    await fsp.rm(path.join(app, 'package-lock.json'), { force: true });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']);
  });
  for (const f of ['index.js', 'react.js', 'wasm/ferry_upload_bg.wasm']) {
    const installed = await fsp.readFile(path.join(app, 'node_modules', 'ferry-upload', 'dist', f));
    assert.ok(installed.equals(await fsp.readFile(path.join(repo, 'dist', f))), `installed ${f} is not the freshly packed one`);
  }
  await fsp.rm(path.join(app, '.next'), { recursive: true, force: true });
  // The secret is set at build time too, to prove that it cannot leak into the client output.
  buildOutput = await timed('next build', () => run(process.execPath, ['node_modules/next/dist/bin/next', 'build'],
    { env: { ...baseEnv, FERRY_UPLOAD_SECRET: BUILD_SECRET } }));

  // The same app built by webpack (`next build --webpack`) into .next-webpack, one build at a time.
  await fsp.rm(path.join(app, '.next-webpack'), { recursive: true, force: true });
  webpackOutput = await timed('next build --webpack', () => run(process.execPath, ['node_modules/next/dist/bin/next', 'build', '--webpack'],
    { env: { ...baseEnv, FERRY_UPLOAD_SECRET: BUILD_SECRET, NEXT_DIST_DIR: '.next-webpack' } }));

  const appPort = await freePort();
  appUrl = `http://127.0.0.1:${appPort}`;
  const webpackPort = await freePort();
  webpackUrl = `http://127.0.0.1:${webpackPort}`;
  uploadDir = path.join(tmp, 'uploads');
  runtimeSecret = crypto.randomBytes(32).toString('hex');
  const serverEnv = { ...baseEnv, FERRY_UPLOAD_SECRET: runtimeSecret };
  const tus = await startChild(process.execPath, ['tus-server.mjs'],
    { ...serverEnv, APP_ORIGIN: `${appUrl},${webpackUrl}`, TUS_PORT: '0', UPLOAD_DIR: uploadDir }, /tus listening on (\S+)/);
  tusEndpoint = tus.match[1];
  await timed('next start', async () => {
    await startChild(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-H', '127.0.0.1', '-p', String(appPort)],
      { ...serverEnv, TUS_ENDPOINT: tusEndpoint }, /Ready|ready/);
    await waitHttp(`${appUrl}/`);
  });
  await startChild(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-H', '127.0.0.1', '-p', String(webpackPort)],
    { ...serverEnv, TUS_ENDPOINT: tusEndpoint, NEXT_DIST_DIR: '.next-webpack' }, /Ready|ready/);
  await waitHttp(`${webpackUrl}/`);
}, { timeout: 20 * MIN });

after(async () => {
  await Promise.all(children.map((c) => c.stop()));
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
  console.log(`[nextjs example] timings: ${JSON.stringify(timings)}`);
});

for (const [bundler, distDir, output] of [['Turbopack', '.next', () => buildOutput], ['webpack', '.next-webpack', () => webpackOutput]]) {
  test(`next build (${bundler}): succeeds, emits the wasm, and leaks no secret into the client output`, async () => {
    assert.doesNotMatch(output(), /window is not defined|document is not defined|indexedDB is not defined|Module not found/i);
    const files = await filesUnder(path.join(app, distDir, 'static'));
    const wasm = files.filter((f) => f.endsWith('.wasm'));
    assert.equal(wasm.length, 1, `expected the engine's .wasm in ${distDir}/static: ${wasm.join(', ')}`);
    assert.ok((await fsp.readFile(wasm[0])).equals(await fsp.readFile(path.join(repo, 'dist', 'wasm', 'ferry_upload_bg.wasm'))));
    for (const f of files) {
      const text = await fsp.readFile(f, 'latin1');
      assert.ok(!text.includes(BUILD_SECRET), `the signing secret is in ${path.relative(app, f)}`);
      assert.ok(!text.includes('FERRY_UPLOAD_SECRET'), `the secret's name is referenced in ${path.relative(app, f)}`);
    }
  });
}

test('the token route hands out a signed, short-lived token and never the secret', async () => {
  const res = await fetch(`${appUrl}/api/upload-token`, { method: 'POST' });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const body = await res.text();
  assert.ok(!body.includes(runtimeSecret));
  const { token, expiresAt } = JSON.parse(body);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.ok(expiresAt > Date.now() && expiresAt <= Date.now() + 5 * MIN + 1000, 'the token lives at most 5 minutes');
  const html = await (await fetch(`${appUrl}/`)).text();
  assert.ok(!html.includes(runtimeSecret), 'the page HTML holds the secret');
  assert.ok(html.includes(tusEndpoint), 'the page passes the TUS endpoint to the client');
});

test('the TUS server refuses requests without a valid token, with CORS headers the browser can read', async () => {
  const create = (auth) => fetch(tusEndpoint, {
    method: 'POST',
    headers: { 'Tus-Resumable': '1.0.0', 'Upload-Length': '3', Origin: appUrl, ...(auth ? { Authorization: auth } : {}) },
  });
  const missing = await create(null);
  assert.equal(missing.status, 401);
  assert.equal(missing.headers.get('access-control-allow-origin'), appUrl);
  const forged = `${Buffer.from(JSON.stringify({ sub: 'x', scope: 'upload', exp: Date.now() / 1000 + 60 })).toString('base64url')}.${crypto.randomBytes(32).toString('base64url')}`;
  assert.equal((await create(`Bearer ${forged}`)).status, 401);
  const { signToken } = await import('../lib/token.mjs');
  const expired = signToken(runtimeSecret, { ttlSeconds: -1 }).token;
  assert.equal((await create(`Bearer ${expired}`)).status, 401);
  const { token } = await (await fetch(`${appUrl}/api/upload-token`, { method: 'POST' })).json();
  const ok = await create(`Bearer ${token}`);
  assert.equal(ok.status, 201);
  const location = ok.headers.get('location');
  assert.ok(location);
  // Preflight for the app's origin allows what ferry sends.
  const pre = await fetch(tusEndpoint, { method: 'OPTIONS', headers: { Origin: appUrl, 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization,tus-resumable,upload-offset,content-type' } });
  assert.equal(pre.headers.get('access-control-allow-origin'), appUrl);
  assert.match(pre.headers.get('access-control-allow-headers') ?? '', /Authorization/i);
  assert.match(pre.headers.get('access-control-allow-methods') ?? '', /PATCH/);
  const del = await fetch(new URL(location, tusEndpoint), { method: 'DELETE', headers: { 'Tus-Resumable': '1.0.0', Authorization: `Bearer ${token}` } });
  assert.equal(del.status, 204);
});

describe('uploading through the page', () => {
  const size = 24 * 1024 * 1024 + 11;
  let source;
  let sha;
  before(async () => {
    source = path.join(tmp, 'picked-file.bin');
    ({ sha256: sha } = await writeRandomFile(source, size));
  });

  const runs = [...BROWSERS.map((name) => [name, 'Turbopack']), ['chromium', 'webpack']];
  for (const [name, bundler] of runs) {
    test(`${name}, ${bundler} build: a file picked in the page is uploaded byte-exact through the token-checked TUS server`, { timeout: 3 * MIN }, async () => {
      const url = bundler === 'webpack' ? webpackUrl : appUrl;
      const browser = await launch(name);
      const t0 = Date.now();
      try {
        const page = await browser.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${url}/`);
        await page.waitForSelector('[data-testid=state]');
        assert.equal(await page.$eval('[data-testid=state]', (e) => e.textContent), 'idle');
        // Wait for hydration (the server HTML has no handlers yet): React attaches its root props.
        await page.waitForFunction(() => Object.keys(document.getElementById('file')).some((k) => k.startsWith('__reactProps')), { timeout: 30_000 });
        const input = await page.$('#file');
        await input.uploadFile(source);
        await page.waitForFunction(() => ['completed', 'failed'].includes(document.querySelector('[data-testid=state]')?.textContent), { timeout: 2 * MIN, polling: 100 });
        const shown = await page.evaluate(() => ({
          state: document.querySelector('[data-testid=state]').textContent,
          valuenow: document.querySelector('[data-testid=progress]').getAttribute('aria-valuenow'),
          error: document.querySelector('[data-testid=error]')?.textContent ?? null,
          result: document.querySelector('[data-testid=result] code')?.textContent ?? null,
        }));
        assert.equal(shown.state, 'completed', `the page shows ${JSON.stringify(shown)}; page errors: ${errors.join(' | ')}`);
        assert.equal(shown.valuenow, '100');
        assert.ok(shown.result.startsWith(tusEndpoint), shown.result);
        const id = decodeURIComponent(new URL(shown.result).pathname.split('/').pop());
        assert.equal(await sha256File(path.join(uploadDir, id)), sha, 'stored bytes differ from the picked file');
        const info = JSON.parse(await fsp.readFile(path.join(uploadDir, `${id}.json`), 'utf8'));
        assert.equal(info.metadata.filename, 'picked-file.bin');
        assert.deepEqual(errors, []);
      } finally {
        timings[`upload ${name} ${bundler}`] = `${((Date.now() - t0) / 1000).toFixed(1)} s`;
        await browser.close();
      }
    });
  }
});

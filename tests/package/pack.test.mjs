// Package test: `npm pack` the repo (dist/ must be built: `node scripts/build.mjs`), install
// the tarball into a fresh app in a temp dir (offline: the tarball itself plus react from the
// npm cache that the repo's own install filled), then check what an app gets: the files in
// the tarball, the exports map (`.`, `./react`, `./uppy`, `./recording`, nothing deeper), ESM imports in Node that
// touch no browser global, the wasm glue's `new URL(..., import.meta.url)` next to the
// .wasm, and the types through a `tsc --noEmit` of a small app. It does not run uploads
// (the browser tests do) and never uses the network.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
let tmp;
let app;
let packed; // npm pack --json result for the tarball

function npm(args, cwd) {
  return execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });
}

/** Runs an ES module in the app dir with a fresh node; resolves to its parsed JSON output. */
function runInApp(source) {
  const file = path.join(app, `probe-${Math.random().toString(36).slice(2)}.mjs`);
  fs.writeFileSync(file, source);
  return JSON.parse(execFileSync(process.execPath, [file], { cwd: app, encoding: 'utf8' }));
}

before(async () => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'index.js')), 'dist/ is not built: run `node scripts/build.mjs` first');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-pack-'));
  [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], root));
  app = path.join(tmp, 'app');
  await fsp.mkdir(app);
  await fsp.writeFile(path.join(app, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
  const reactVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'react', 'package.json'), 'utf8')).version;
  const typesVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', '@types', 'react', 'package.json'), 'utf8')).version;
  npm(['install', '--offline', '--no-package-lock', path.join(tmp, packed.filename), `react@${reactVersion}`, `@types/react@${typesVersion}`], app);
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

test('the tarball holds dist/ (with the wasm) and package metadata only', () => {
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/react.js', 'dist/react.d.ts', 'dist/uppy.js', 'dist/uppy.d.ts',
    'dist/recording.js', 'dist/recording.d.ts',
    'dist/queue.js', 'dist/wasm/ferry_upload.js', 'dist/wasm/ferry_upload_bg.wasm']) {
    assert.ok(files.includes(f), `${f} missing from the tarball: ${files.join(', ')}`);
  }
  const stray = files.filter((f) => !f.startsWith('dist/') && !/^(package\.json|README(\.md)?|LICENSE.*)$/i.test(f));
  assert.deepEqual(stray, [], 'only dist/, package.json, README and LICENSE belong in the package');
  assert.ok(!files.some((f) => f.endsWith('.rs') || f.startsWith('dist/wasm/') && f.endsWith('.ts') && !f.endsWith('.d.ts')));
  const wasm = packed.files.find((f) => f.path === 'dist/wasm/ferry_upload_bg.wasm');
  assert.ok(wasm.size > 50_000, `the wasm is suspiciously small (${wasm.size} bytes)`);
});

test('package.json: ESM exports map with types for `.`, `./react`, `./uppy` and `./recording`, no side effects, react and @uppy/core optional', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(app, 'node_modules', 'ferry-upload', 'package.json'), 'utf8'));
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.sideEffects, false);
  assert.deepEqual(Object.keys(pkg.exports).sort(), ['.', './package.json', './react', './recording', './uppy']);
  for (const [sub, base] of [['.', 'index'], ['./react', 'react'], ['./uppy', 'uppy'], ['./recording', 'recording']]) {
    assert.equal(pkg.exports[sub].types, `./dist/${base}.d.ts`);
    assert.equal(pkg.exports[sub].import, `./dist/${base}.js`);
    assert.equal(Object.keys(pkg.exports[sub])[0], 'types', 'types must come first in each condition set');
  }
  assert.equal(pkg.dependencies, undefined, 'the package has no runtime dependencies');
  assert.match(pkg.peerDependencies.react, />=\s*18/);
  assert.equal(pkg.peerDependenciesMeta.react.optional, true);
  assert.match(pkg.peerDependencies['@uppy/core'], /\^6/);
  assert.equal(pkg.peerDependenciesMeta['@uppy/core'].optional, true);
});

test('the installed package imports in Node without touching browser globals', () => {
  const out = runInApp(`
    const touched = [];
    for (const name of ['window', 'document', 'self', 'location', 'indexedDB', 'localStorage', 'navigator', 'WebAssembly']) {
      const had = Object.getOwnPropertyDescriptor(globalThis, name);
      Object.defineProperty(globalThis, name, { configurable: true, get() { touched.push(name); return had?.get ? had.get.call(globalThis) : had?.value; } });
    }
    const core = await import('ferry-upload');
    const react = await import('ferry-upload/react');
    const recording = await import('ferry-upload/recording');
    const atImport = [...touched];
    // Constructing an upload sends nothing and loads no wasm.
    const upload = core.createUpload({ endpoint: 'http://127.0.0.1:9/files/', file: new Blob(['hello']) });
    let usage = null;
    try { core.createUpload({ endpoint: '/files/', file: 'not a blob' }); } catch (e) { usage = { isFerry: e instanceof core.FerryError, kind: e.kind, code: e.code }; }
    // Recordings come from ferry-upload/recording: the main entry says so.
    let source = null;
    try { core.createUpload({ endpoint: '/files/', source: 'push' }); } catch (e) { source = { kind: e.kind, code: e.code, names: e.message.includes("'ferry-upload/recording'") }; }
    const pushed = recording.createUpload({ endpoint: 'http://127.0.0.1:9/files/', source: 'push', buffer: 'memory' });
    const queue = core.createUploadQueue({ endpoint: 'http://127.0.0.1:9/files/', concurrency: 2 });
    console.log(JSON.stringify({
      atImport,
      core: Object.keys(core).sort(),
      react: Object.keys(react).sort(),
      recording: Object.keys(recording).sort(),
      source, pushed: { state: pushed.state, total: pushed.bytesTotal, recorded: pushed.bytesRecorded },
      state: upload.state, total: upload.bytesTotal, usage, concurrency: queue.concurrency, items: queue.items.length,
    }));
  `);
  assert.deepEqual(out.atImport, [], `importing touched ${out.atImport.join(', ')}`);
  assert.deepEqual(out.core, ['FerryError', 'createUpload', 'createUploadQueue', 'forgetUpload', 'listResumableUploads', 'resumeAll']);
  assert.deepEqual(out.react, ['useResumableUploads', 'useUpload']);
  assert.deepEqual(out.recording, ['createUpload']);
  assert.deepEqual(out.source, { kind: 'usage', code: 'invalid_option', names: true }, 'the main entry\'s createUpload points recordings to ferry-upload/recording');
  assert.deepEqual(out.pushed, { state: 'idle', total: null, recorded: 0 }, 'ferry-upload/recording takes a push source');
  assert.equal(out.state, 'idle');
  assert.equal(out.total, 5);
  assert.deepEqual(out.usage, { isFerry: true, kind: 'usage', code: 'invalid_option' });
  assert.equal(out.concurrency, 2);
  assert.equal(out.items, 0);
});

test('only the exported entry points resolve', () => {
  const out = runInApp(`
    const results = {};
    for (const spec of ['ferry-upload', 'ferry-upload/react', 'ferry-upload/recording', 'ferry-upload/package.json', 'ferry-upload/dist/index.js', 'ferry-upload/dist/wasm/ferry_upload.js', 'ferry-upload/queue']) {
      try { results[spec] = new URL(import.meta.resolve(spec)).pathname.split('/node_modules/')[1]; } catch (e) { results[spec] = e.code; }
    }
    console.log(JSON.stringify(results));
  `);
  assert.deepEqual(out, {
    'ferry-upload': 'ferry-upload/dist/index.js',
    'ferry-upload/react': 'ferry-upload/dist/react.js',
    'ferry-upload/recording': 'ferry-upload/dist/recording.js',
    'ferry-upload/package.json': 'ferry-upload/package.json',
    'ferry-upload/dist/index.js': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    'ferry-upload/dist/wasm/ferry_upload.js': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    'ferry-upload/queue': 'ERR_PACKAGE_PATH_NOT_EXPORTED',
  });
});

test('the wasm glue finds the .wasm with new URL(..., import.meta.url), so bundlers emit it', () => {
  const dir = path.join(app, 'node_modules', 'ferry-upload', 'dist');
  const glue = fs.readFileSync(path.join(dir, 'wasm', 'ferry_upload.js'), 'utf8');
  const m = glue.match(/new URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/);
  assert.ok(m, 'no new URL(..., import.meta.url) in the glue');
  assert.equal(m[1], 'ferry_upload_bg.wasm');
  assert.ok(fs.existsSync(path.join(dir, 'wasm', m[1])), 'the .wasm is not next to the glue');
  // The loader reaches the glue with a static-string dynamic import (bundlers split it into its own chunk).
  assert.match(fs.readFileSync(path.join(dir, 'loader.js'), 'utf8'), /import\(['"]\.\/wasm\/ferry_upload\.js['"]\)/);
  // The wasm is real WebAssembly.
  const head = fs.readFileSync(path.join(dir, 'wasm', m[1])).subarray(0, 4);
  assert.deepEqual([...head], [0x00, 0x61, 0x73, 0x6d]);
});

test('an app type-checks against the installed types (bundler and node16 resolution)', () => {
  fs.writeFileSync(path.join(app, 'app.ts'), `
    import { createUpload, createUploadQueue, FerryError, listResumableUploads, type UploadState } from 'ferry-upload';
    import { useUpload, useResumableUploads } from 'ferry-upload/react';
    declare const file: File;
    const upload = createUpload({ endpoint: '/files/', file });
    const state: UploadState = upload.state;
    const queue = createUploadQueue({ endpoint: '/files/', concurrency: 2 });
    queue.add([file]);
    export function App() {
      const { start, progress, error } = useUpload({ endpoint: '/files/' });
      const { uploads } = useResumableUploads();
      void start(file); void progress?.percent; void (error instanceof FerryError); void uploads.length;
    }
    void state; void listResumableUploads;
    // @ts-expect-error misuse must still be caught through the installed types
    createUpload({ endpoint: '/files/' });
  `);
  for (const [module, resolution] of [['ES2022', 'bundler'], ['Node16', 'node16']]) {
    try {
      execFileSync(tsc, ['--noEmit', '--strict', '--target', 'ES2022', '--lib', 'ES2022,DOM', '--module', module,
        '--moduleResolution', resolution, '--skipLibCheck', 'false', 'app.ts'], { cwd: app, encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      assert.fail(`tsc (${resolution}) failed:\n${err.stdout}${err.stderr}`);
    }
  }
});

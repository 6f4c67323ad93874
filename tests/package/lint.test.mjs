// The packed tarball as package linters read it: `npm pack` (its prepack hook finds dist/ up to
// date, or builds it), then publint (exports, files, types conditions) and
// @arethetypeswrong/cli (what TypeScript resolves for `.`, `./react` and `./uppy` under node16
// and bundler resolution; the package is ESM only, so the esm-only profile). Both run offline on
// the tarball. dist/ must be built first (`node scripts/build.mjs`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
let tmp;
let tarball;

before(async () => {
  assert.ok(fs.existsSync(path.join(root, 'dist', 'index.js')), 'dist/ is not built: run `node scripts/build.mjs` first');
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ferry-lint-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
  }));
  tarball = path.join(tmp, packed.filename);
});

after(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

/** Runs a linter; resolves to { status, output } (it may exit non-zero: the test decides). */
function lint(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: tmp, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('publint finds no error, warning or suggestion in the tarball', () => {
  const { status, output } = lint(bin('publint'), ['run', tarball, '--level', 'suggestion', '--strict']);
  assert.equal(status, 0, output);
  assert.doesNotMatch(output, /\b(Errors|Warnings|Suggestions):/, output);
});

test('arethetypeswrong: `.`, `./react` and `./uppy` resolve to their types (ESM only)', () => {
  const { status, output } = lint(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'json', '--no-emoji']);
  const report = JSON.parse(output.slice(output.indexOf('{')));
  const entrypoints = Object.keys(report.analysis?.entrypoints ?? {});
  for (const e of ['.', './react', './uppy']) assert.ok(entrypoints.includes(e), `attw checked ${e} (it saw ${entrypoints.join(', ')})`);
  // The esm-only profile leaves out CommonJS and node10 resolution: this package has no require() entry.
  const problems = Object.values(report.problems ?? {}).flat().filter((p) => !['node10', 'node16-cjs'].includes(p.resolutionKind));
  assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
  assert.equal(status, 0, output.slice(0, 4000));
});

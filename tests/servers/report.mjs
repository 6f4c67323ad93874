// Turns the server matrix's results (tests/servers/matrix.test.mjs) into markdown: a
// servers x features x result table and a speed table. Always writes
// test-output/server-matrix.md and .json; with `docs`, and only when the run was complete
// (every server and scenario), also puts the tables into README.md between
// <!-- server-matrix:start --> and <!-- server-matrix:end --> and into BENCHMARKS.md as the
// section "## Servers" (before "## Resilience"). It runs nothing and asserts nothing.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MiB } from '../support/util.mjs';

const fmtBytes = (n) => (n % MiB === 0 ? `${n / MiB} MiB` : n % 1024 === 0 ? `${n / 1024} KiB` : `${n} B`);
export const NAMES = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' };
const ROWS = {
  upload: 'multi-chunk upload, read back',
  interrupted: 'PATCH cut halfway',
  'page-close': 'page closed, reopened',
  termination: 'termination',
  limit: 'server limit',
  finished: 'same file after completion',
  checksum: '`checksum: true`',
  recording: 'recording (`source: recorder`)',
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cell(byBrowser, browsers) {
  if (!byBrowser) return '–';
  const all = browsers.map((b) => [b, byBrowser[b]]).filter(([, r]) => r);
  const na = all.filter(([, r]) => r.ok === null);
  if (na.length && na.length === all.length) return `n/a: ${na[0][1].note}`;
  const got = all.filter(([, r]) => r.ok !== null);
  const failed = got.filter(([, r]) => !r.ok);
  if (failed.length) return `✗ ${failed.map(([b, r]) => `${NAMES[b] ?? b}: ${r.note.replace(/\|/g, '\\|')}`).join('; ')}`;
  const notes = [...new Set(got.map(([, r]) => r.note))];
  const missing = browsers.filter((b) => !byBrowser[b]).map((b) => `${NAMES[b] ?? b}: not run`);
  const besides = [...na.map(([b, r]) => `n/a in ${NAMES[b] ?? b}: ${r.note}`), ...missing];
  const suffix = besides.length ? ` (${besides.join('; ')})` : '';
  if (notes.length === 1) return `✓ ${notes[0]}${suffix}`;
  return `✓ ${got.map(([b, r]) => `${NAMES[b] ?? b}: ${r.note}`).join('; ')}${suffix}`;
}

export function matrixMarkdown(report) {
  const { servers, scenarios, browsers, results } = report;
  const head = `| | ${servers.map((s) => s.label).join(' | ')} |\n|---|${servers.map(() => '---').join('|')}|`;
  const facts = [
    ['`Tus-Extension` (OPTIONS)', (s) => (s.options?.extensions ?? []).join(', ') || '–'],
    ['`Tus-Max-Size`', (s) => (s.options?.maxSize ? fmtBytes(s.options.maxSize) : 'none')],
    ['`Tus-Checksum-Algorithm`', (s) => (s.options?.checksumAlgorithms ?? []).join(', ') || 'none'],
  ].map(([name, f]) => `| ${name} | ${servers.map(f).join(' | ')} |`);
  const rows = scenarios.map((sc) => `| ${ROWS[sc.key] ?? sc.key} | ${servers.map((s) => cell(results[s.key]?.[sc.key], browsers)).join(' | ')} |`);
  let passed = 0;
  let total = 0;
  let notApplicable = 0;
  for (const s of servers) for (const sc of scenarios) for (const b of browsers) {
    const r = results[s.key]?.[sc.key]?.[b];
    if (r?.ok === null) {
      notApplicable++;
      continue;
    }
    total++;
    if (r?.ok) passed++;
  }
  const seen = (report.observations ?? []).map((o) => `- ${o.replace(/^(\w)/, (c) => c.toUpperCase())}.`);
  const engines = browsers.map((b) => NAMES[b] ?? b);
  const list = engines.length > 1 ? `${engines.slice(0, -1).join(', ')} and ${engines.at(-1)}` : engines[0];
  return `${head}\n${facts.join('\n')}\n${rows.join('\n')}\n\n${passed} of ${total} scenario runs passed `
    + `(${list}; ✓ = passed in ${engines.length > 1 ? 'each' : 'it'}; n/a = the server or the engine lacks what the scenario needs: `
    + `${notApplicable} run${notApplicable === 1 ? '' : 's'}), ${report.date}, ${report.seconds} s.`
    + (seen.length ? `\n\nSeen on the way:\n\n${seen.join('\n')}` : '');
}

export function speedMarkdown(report) {
  const { servers, browsers, speeds, baselines, speed } = report;
  const head = `| server | ${browsers.map((b) => `ferry in ${NAMES[b] ?? b}`).join(' | ')} | one PATCH from Node | ${browsers.map((b) => `${NAMES[b] ?? b} ÷ Node`).join(' | ')} |`;
  const sep = `|---|${browsers.map(() => '---:').join('|')}|---:|${browsers.map(() => '---:').join('|')}|`;
  const rows = servers.map((s) => {
    const base = baselines?.[s.key]?.length ? median(baselines[s.key]) : null;
    const per = browsers.map((b) => (speeds[s.key]?.[b]?.length ? median(speeds[s.key][b]) : null));
    const fmt = (x) => (x === null ? '–' : `${x.toFixed(0)} MB/s`);
    const ratio = (x) => (x === null || base === null ? '–' : `${((100 * x) / base).toFixed(0)}%`);
    return `| ${s.label} | ${per.map(fmt).join(' | ')} | ${fmt(base)} | ${per.map(ratio).join(' | ')} |`;
  });
  return `${head}\n${sep}\n${rows.join('\n')}\n\nMedians of ${speed.reps} upload${speed.reps === 1 ? '' : 's'} of ${fmtBytes(speed.size)} `
    + `(random bytes, picked through \`<input type=file>\`) in ${fmtBytes(speed.chunk)} PATCHes per server and browser, `
    + 'timed in the page from `start()` to its resolution; "one PATCH from Node" sends the same file right after each '
    + 'browser upload as one POST and one streaming PATCH (what `curl -T` does). MB/s is 10^6 bytes per second. '
    + 'Browser, server and disk share 2 cores here: runs vary by tens of percent, so compare ratios from one run.';
}

/** Replaces the text between `start` and `end` markers in `text` (markers kept). */
function between(text, start, end, body) {
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) return null;
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

export async function writeDocs(report, { root, docs }) {
  const out = path.join(root, 'test-output');
  await fsp.mkdir(out, { recursive: true });
  const matrix = matrixMarkdown(report);
  const speeds = speedMarkdown(report);
  // A run in one engine (npm test runs one per engine, side by side) writes a file of its own.
  const name = `server-matrix${report.browsers.length === 1 ? `-${report.browsers[0]}` : ''}`;
  await fsp.writeFile(path.join(out, `${name}.json`), JSON.stringify(report, null, 2));
  await fsp.writeFile(path.join(out, `${name}.md`), `# Server matrix\n\n${matrix}\n\n## Speed\n\n${speeds}\n`);
  console.log(`# wrote test-output/${name}.md\n${matrix.split('\n').map((l) => `# ${l}`).join('\n')}`);
  if (!docs) return;
  if (!report.complete) {
    console.log('# README.md and BENCHMARKS.md left alone: the run did not cover every server and scenario');
    return;
  }
  const readmePath = path.join(root, 'README.md');
  const readme = await fsp.readFile(readmePath, 'utf8');
  const replaced = between(readme, '<!-- server-matrix:start -->', '<!-- server-matrix:end -->',
    `<!-- written by \`npm run servers:docs\` (tests/servers/matrix.test.mjs); do not edit by hand -->\n\n${matrix}\n`);
  if (replaced === null) throw new Error('README.md has no server-matrix markers');
  await fsp.writeFile(readmePath, replaced);

  const benchPath = path.join(root, 'BENCHMARKS.md');
  const bench = await fsp.readFile(benchPath, 'utf8').catch(() => '# Benchmarks\n');
  const section = `## Servers (\`npm run servers:docs\`)\n\n`
    + `Written by tests/servers/matrix.test.mjs, ${report.date}, on the machine above. Every server runs on `
    + '127.0.0.1 next to the browser, so this compares what each server costs per byte, not a network.\n\n'
    + `${speeds}\n\n### Interop\n\n${matrix}\n`;
  const start = bench.indexOf('\n## Servers');
  let next;
  if (start >= 0) {
    const after = bench.indexOf('\n## ', start + 1);
    next = `${bench.slice(0, start)}\n${section}${after >= 0 ? bench.slice(after) : ''}`;
  } else {
    const resilience = bench.indexOf('\n## Resilience');
    next = resilience >= 0 ? `${bench.slice(0, resilience)}\n${section}${bench.slice(resilience)}` : `${bench.trimEnd()}\n\n${section}`;
  }
  await fsp.writeFile(benchPath, next);
  console.log('# wrote the tables into README.md and BENCHMARKS.md');
}

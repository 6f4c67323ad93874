// The one process supervisor of tests, scripts and benchmarks: spawns a program (no shell, so
// the PID is the program's own; optionally in its own process group, for programs that start
// helpers such as xvfb-run), polls a readiness check until it answers, and stops exactly that
// PID (or that group) with SIGTERM, then SIGKILL after a grace period. It never signals a
// process it did not start and never asserts.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, sleep } from './util.mjs';

/**
 * Starts `cmd args` and resolves once `ready(output)` resolves truthy (polled every 100 ms;
 * a throw counts as not yet). Resolves to { name, pid, ready (its value), output(), exited
 * (promise of { code, signal }), alive(), stop(signal) }.
 *   group    own process group; stop() then signals the whole group
 *   log      receives the output instead of it being kept (the last 100 kB are kept anyway)
 */
export async function startProcess(name, cmd, args, {
  cwd = ROOT, env = {}, ready = async () => true, timeoutMs = 60_000, group = false, graceMs = 10_000, log,
} = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, detached: group, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => { log?.(String(d)); output = (output + d).slice(-100_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let gone = false;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { gone = true; resolve({ code, signal }); }));
  child.once('error', (err) => { output += `\n${err.message}\n`; gone = true; });
  const target = group ? -child.pid : child.pid;
  const signal = (sig) => { try { process.kill(target, sig); } catch { /* already gone */ } };
  const stop = async (sig = 'SIGTERM') => {
    if (!gone) {
      signal(sig);
      const t = setTimeout(() => signal('SIGKILL'), graceMs);
      await Promise.race([exited, sleep(graceMs + 1000)]);
      clearTimeout(t);
    }
    // Helpers of a group (Xvfb under xvfb-run) may outlive the leader by a moment.
    if (group) { await sleep(100); signal('SIGKILL'); }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (gone) throw new Error(`${name} exited before it was ready:\n${output.slice(-3000)}`);
    const value = await Promise.resolve().then(() => ready(output)).catch(() => false);
    if (value) {
      return { name, pid: child.pid, ready: value, output: () => output, exited, alive: () => !gone, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} was not ready within ${timeoutMs / 1000} s:\n${output.slice(-3000)}`);
    }
    await sleep(100);
  }
}

/** Where `cargo install` (~/.cargo/bin) or PATH puts `program`, or null. */
export function findProgram(program) {
  const dirs = [path.join(os.homedir(), '.cargo', 'bin'), ...String(process.env.PATH).split(':')];
  return dirs.map((d) => path.join(d, program)).find((p) => fs.existsSync(p)) ?? null;
}

/** A readiness check: resolves true once `url` answers OPTIONS with a TUS header. */
export async function answersTus(url) {
  const res = await fetch(url, { method: 'OPTIONS', headers: { 'Tus-Resumable': '1.0.0' } });
  return res.headers.has('tus-resumable') || res.headers.has('tus-version');
}

/** A readiness check: the first line of the output that starts with http://, if any. */
export const printedUrl = (output) => output.split('\n').find((l) => l.startsWith('http://'))?.trim();

/**
 * tests/support/serve.mjs (a real @tus/server with a FileStore) as a child process, to be killed
 * and restarted by PID; resolves to startProcess()'s handle plus { url, port }.
 */
export async function startServeProcess({ dataDir, port = 0 }) {
  const proc = await startProcess('serve.mjs', process.execPath, ['tests/support/serve.mjs', '--port', String(port), '--data', dataDir], { ready: printedUrl, graceMs: 5000 });
  return { ...proc, url: proc.ready, port: Number(new URL(proc.ready).port), kill: (signal = 'SIGKILL') => proc.stop(signal) };
}

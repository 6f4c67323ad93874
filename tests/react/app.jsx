// Test page for the React hooks (bundled by tests/react/harness.mjs; driven by
// tests/react/react.test.mjs through `window.harness`). It renders real components with
// react-dom into the page, some inside <StrictMode>, and records what each hook returned.
// It makes its test files in memory and checks nothing itself.
import { StrictMode, useEffect, version as reactVersion } from 'react';
import { createRoot } from 'react-dom/client';
import { listResumableUploads } from 'ferry-upload';
import { useResumableUploads, useUpload } from 'ferry-upload/react';

const files = new Map();
const mounts = new Map();
let nextId = 1;

const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

function Uploader({ record, endpoint, fileId, autoStart, chunkSize }) {
  const hook = useUpload({ endpoint, file: files.get(fileId) ?? null, chunkSize, progressInterval: 10 });
  record.renders++;
  record.hook = hook;
  if (record.states.at(-1) !== hook.state) record.states.push(hook.state);
  if (hook.progress) record.percents.push(hook.progress.percent);
  useEffect(() => {
    record.mounts++;
    if (autoStart) {
      record.effectStarts++;
      hook.start().catch(() => {});
    }
    return () => { record.unmounts++; };
    // Deliberately the naive effect people write: StrictMode runs it twice.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const percent = hook.progress ? Math.floor(hook.progress.percent) : 0;
  return (
    <section data-mount={record.id}>
      <output className="state">{hook.state}</output>
      <div role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} />
      {hook.error && <p className="error">{hook.error.code}</p>}
      {hook.result && <a className="result" href={hook.result.uploadUrl}>done</a>}
    </section>
  );
}

function Sessions({ record }) {
  const sessions = useResumableUploads();
  record.renders++;
  record.hook = sessions;
  return (
    <ul className="sessions" data-loading={String(sessions.loading)}>
      {sessions.uploads.map((u) => <li key={u.key}>{u.name}</li>)}
    </ul>
  );
}

function snapshot(record) {
  const h = record.hook ?? {};
  const error = h.error ? { kind: h.error.kind, code: h.error.code, status: h.error.status ?? null, isError: h.error instanceof Error } : null;
  return {
    id: record.id,
    renders: record.renders,
    mounts: record.mounts,
    unmounts: record.unmounts,
    effectStarts: record.effectStarts,
    states: record.states,
    percents: record.percents,
    state: h.state,
    progress: h.progress ?? null,
    error,
    result: h.result ?? null,
    uploadState: h.upload?.state ?? null,
    uploadUrl: h.upload?.url ?? null,
    uploads: h.uploads ?? null,
    loading: h.loading ?? null,
    dom: {
      state: document.querySelector(`[data-mount="${record.id}"] .state`)?.textContent ?? null,
      valuenow: document.querySelector(`[data-mount="${record.id}"] [role=progressbar]`)?.getAttribute('aria-valuenow') ?? null,
      sessions: record.kind === 'sessions' ? [...record.container.querySelectorAll('li')].map((li) => li.textContent) : null,
    },
  };
}

window.harness = {
  reactVersion,
  /** A random in-memory file; resolves to { id, sha256, name, size }. */
  async makeFile(name, size) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
    const file = new File([bytes], name, { type: 'application/octet-stream', lastModified: Date.now() });
    const id = `f${nextId++}`;
    files.set(id, file);
    return { id, name, size, sha256: hex(await crypto.subtle.digest('SHA-256', bytes)) };
  },
  /** Renders `kind` ('uploader' | 'sessions') with `props`, in StrictMode when `strict`. */
  mount(kind, props = {}, { strict = false } = {}) {
    const container = document.createElement('div');
    document.getElementById('root').append(container);
    const record = {
      id: nextId++, kind, container, renders: 0, mounts: 0, unmounts: 0, effectStarts: 0, states: [], percents: [], hook: null,
    };
    const element = kind === 'sessions' ? <Sessions record={record} /> : <Uploader record={record} {...props} />;
    record.root = createRoot(container);
    record.root.render(strict ? <StrictMode>{element}</StrictMode> : element);
    mounts.set(record.id, record);
    return record.id;
  },
  unmount(id) {
    const record = mounts.get(id);
    record.root.unmount();
    record.container.remove();
  },
  snapshot(id) {
    return snapshot(mounts.get(id));
  },
  /** Calls a hook function (start, pause, resume, abort, refresh, forget); resolves to its outcome. */
  async call(id, method, ...args) {
    const hook = mounts.get(id).hook;
    const resolved = args.map((a) => (typeof a === 'string' && files.has(a) ? files.get(a) : a));
    try {
      const value = await hook[method](...resolved);
      return { ok: true, value: value ?? null };
    } catch (e) {
      return { ok: false, error: { kind: e.kind, code: e.code, status: e.status ?? null, isFerry: e?.name === 'FerryError' } };
    }
  },
  /** Calls a hook function without waiting for it. */
  fire(id, method, ...args) {
    const hook = mounts.get(id).hook;
    const resolved = args.map((a) => (typeof a === 'string' && files.has(a) ? files.get(a) : a));
    hook[method](...resolved);
  },
  sessions() {
    return listResumableUploads();
  },
};

'use client';
// The uploader: picks a file and uploads it with useUpload(), asking the app's own route for
// a short-lived token before requests (and a fresh one when the server refuses it). Shows
// state, server-confirmed progress, errors and the stored sessions a reload can continue.
// It renders on the server too (nothing here touches the browser until an effect or event).
import { useCallback, useRef } from 'react';
import type { HeaderContext } from 'ferry-upload';
import { useResumableUploads, useUpload } from 'ferry-upload/react';

interface Grant { token: string; expiresAt: number }

async function fetchGrant(): Promise<Grant> {
  const res = await fetch('/api/upload-token', { method: 'POST', cache: 'no-store' });
  if (!res.ok) throw new Error(`token route answered ${res.status}`);
  return res.json();
}

export default function Uploader({ endpoint }: { endpoint: string }) {
  const grant = useRef<Grant | null>(null);
  // Called before every request: reuse the token until 30 s before it expires, or fetch a
  // new one when the server refused the last one.
  const headers = useCallback(async ({ refused }: HeaderContext) => {
    if (refused || !grant.current || grant.current.expiresAt - Date.now() < 30_000) grant.current = await fetchGrant();
    return { Authorization: `Bearer ${grant.current.token}` };
  }, []);
  const { start, pause, resume, abort, state, progress, error, result } = useUpload({ endpoint, headers });
  const sessions = useResumableUploads();
  const percent = progress ? Math.floor(progress.percent) : 0;

  return (
    <section>
      <input
        id="file"
        type="file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          if (file) start(file).catch(() => { /* shown below through `error` */ });
        }}
      />
      <p>
        <span data-testid="state">{state}</span>{' '}
        <progress data-testid="progress" max={100} value={percent} aria-valuenow={percent} aria-valuemin={0} aria-valuemax={100} />{' '}
        {percent}%{progress?.etaSeconds != null && state === 'uploading' ? `, ${Math.ceil(progress.etaSeconds)} s left` : ''}
      </p>
      <p>
        <button type="button" onClick={pause} disabled={state !== 'uploading' && state !== 'reconnecting'}>Pause</button>{' '}
        <button type="button" onClick={() => resume().catch(() => {})} disabled={state !== 'paused' && state !== 'failed'}>Resume</button>{' '}
        <button type="button" onClick={() => abort({ terminate: true })} disabled={state === 'idle' || state === 'completed' || state === 'aborted'}>Cancel</button>
      </p>
      {error && <p role="alert" data-testid="error">{error.code}: {error.message}</p>}
      {result && <p data-testid="result">Uploaded to <code>{result.uploadUrl}</code> ({result.bytesTotal} bytes)</p>}
      {sessions.uploads.length > 0 && (
        <>
          <h2>Continue your uploads</h2>
          <ul data-testid="sessions">
            {sessions.uploads.map((u) => (
              <li key={u.key}>
                {u.name}: {Math.floor((100 * u.bytesConfirmed) / Math.max(1, u.size))}%, pick it again to continue{' '}
                <button type="button" onClick={() => sessions.forget(u.key)}>Forget</button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

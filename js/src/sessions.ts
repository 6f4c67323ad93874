// Stored sessions: listing them, forgetting them, and continuing them all at once. Recordings
// are continued from their local buffer (no file to pick), ended at what it holds; files
// from their stored `fileHandle`, else returned for the app to ask for them again. A
// recording whose tab closed before its upload was created has a buffer but no session: it
// is listed too (`uploadUrl: ''`, nothing confirmed) and `resumeAll()` creates its upload.
// Nothing here talks to a server: each continued upload does, through createUpload().

import { loadEngine } from './loader.js';
import type { RecordingBuffer } from './recording/buffer.js';
import { deleteRecording, inUse, orphans, reopen, storedIds } from './recording/stored.js';
import { createUpload, isLive } from './upload.js';
import { continueRecording } from './recording/support.js';
import type { RecordingUpload, ResumableUpload, ResumeAllResult, Upload, UploadOptions } from './types.js';

/** Recording buffers opened by the last listing, for resumeAll() to continue. */
const opened = new Map<string, RecordingBuffer>();

/**
 * The uploads this origin can continue (stored sessions), oldest first: show them as a
 * "continue your uploads" list and ask the user for each file again (`createUpload` with the
 * same file then continues where the server stands). Recordings (`kind: 'recording'`) need
 * no file: `resumeAll()` finishes them from their local buffer.
 */
export async function listResumableUploads(): Promise<ResumableUpload[]> {
  const wasm = await loadEngine();
  const out: ResumableUpload[] = [];
  const sessions = await wasm.listSessions();
  for (const { recording, ...session } of sessions) {
    if (!recording) {
      out.push({ ...session, kind: 'file' });
      continue;
    }
    // Read again at every listing (another tab may have continued it); kept for resumeAll().
    const buffer = await reopen(session.fingerprint).catch(() => null);
    if (buffer) opened.set(session.fingerprint, buffer);
    const buffered = buffer?.available ?? 0;
    out.push({ ...session, kind: 'recording', bytesBuffered: buffered });
  }
  const known = new Set(sessions.map((s) => s.fingerprint));
  for (const { buffer, info } of await orphans((id) => known.has(id) || isLive(id))) {
    opened.set(buffer.id, buffer);
    out.push({
      key: buffer.id, kind: 'recording', fingerprint: buffer.id, bytesBuffered: buffer.available, bytesConfirmed: 0,
      uploadUrl: '', endpoint: info.endpoint, name: info.metadata.filename ?? '', size: buffer.available, type: info.type,
      lastModified: 0, metadata: info.metadata, chunkSize: 0, createdAt: info.createdAt, updatedAt: info.createdAt, expiresAt: null,
    });
  }
  return out;
}

/** Forgets a stored session (the upload on the server is left alone), and a recording's buffer. */
export async function forgetUpload(key: string): Promise<void> {
  const wasm = await loadEngine();
  const id = String(key);
  const session = (await wasm.listSessions()).find((s) => s.key === id);
  await wasm.forgetSession(id);
  if (session?.recording) await deleteRecording(session.fingerprint);
  // A recording listed without a session is keyed by its buffer's id.
  if (!session && !isLive(id) && (await storedIds()).includes(id) && !(await inUse(id))) await deleteRecording(id);
}

/**
 * Continues every stored upload: recordings from their local buffer (finished with the length
 * buffered so far), files whose file can be reopened from its `fileHandle` (Chromium's File
 * System Access API). Call it from a user gesture (a click): reopening may need the user's
 * permission again after a browser restart. Sessions without a usable handle are returned in
 * `needsFile`, for the app to ask the user to pick those files again.
 *
 * `options` apply to every resumed upload (e.g. `headers`); each continues at the endpoint
 * stored with its session (a session belongs to its endpoint). A recording another page is
 * already continuing (its own `resumeAll()`, say) is left to it and not returned.
 */
export async function resumeAll(options: Partial<Omit<UploadOptions, 'file' | 'fileHandle' | 'endpoint' | 'source'>> = {}): Promise<ResumeAllResult> {
  const resumed: Upload[] = [];
  const recordings: RecordingUpload[] = [];
  const needsFile: ResumableUpload[] = [];
  for (const session of await listResumableUploads()) {
    if (session.kind === 'recording') {
      if (isLive(session.fingerprint)) continue;
      try {
        const buffer = opened.get(session.fingerprint) ?? (await reopen(session.fingerprint));
        opened.delete(session.fingerprint);
        // Another page (its own resumeAll(), at the same moment) took it first: it finishes it.
        if (!(await buffer.claim())) continue;
        const { parallelUploads: _, uploadUrl: __, ...rest } = options;
        const upload = continueRecording(
          { metadata: session.metadata, ...rest, endpoint: session.endpoint, source: 'push', fingerprint: session.fingerprint, type: session.type },
          buffer,
        );
        upload.start().catch(() => { /* reported through the upload's own events */ });
        recordings.push(upload);
      } catch {
        needsFile.push(session);
      }
      continue;
    }
    const handle = session.fileHandle;
    try {
      if (!handle) throw new Error('no handle');
      const mode = { mode: 'read' as const };
      let permission = (await handle.queryPermission?.(mode)) ?? 'granted';
      if (permission === 'prompt') permission = (await handle.requestPermission?.(mode)) ?? 'denied';
      if (permission !== 'granted') throw new Error('permission refused');
      const file = await handle.getFile();
      // A session belongs to its endpoint: it continues there and nowhere else.
      const upload = createUpload({
        metadata: session.metadata,
        ...options,
        endpoint: session.endpoint,
        file,
        fileHandle: handle,
      });
      upload.start().catch(() => { /* reported through the upload's own events */ });
      resumed.push(upload);
    } catch {
      needsFile.push(session);
    }
  }
  return { resumed, recordings, needsFile };
}

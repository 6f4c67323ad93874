// Recordings stored by earlier pages: reopening one's buffer (its session says which), finding
// the ones left without a session (their tab closed before the upload was created) that no
// page is uploading, and deleting one's pieces. Only the session functions (sessions.ts) use
// this, so it is not in what an app loads to start an upload.
//
// What it does not do: upload anything, or keep sessions (the engine's store does).

import { FerryError } from '../errors.js';
import { RecordingBuffer, lockName, locks } from './buffer.js';
import { openStore, opfsRoot, pieces, request, type RecordingInfo } from './stores.js';

const quiet = () => undefined;

/** The buffer of recording `id` as an earlier page stored it, ended at the bytes it holds. */
export async function reopen(id: string): Promise<RecordingBuffer> {
  for (const prefer of ['opfs', 'indexeddb'] as const) {
    const { store, why } = await openStore(id, prefer).catch(() => ({ store: null, why: 'unavailable' }));
    if (why || !store) continue;
    const pieces = await store.list().catch(() => []);
    if (pieces.length > 0) return new RecordingBuffer(id, quiet, prefer, { store, pieces });
  }
  throw new FerryError('storage', 'source_failed', `the buffer of recording ${id} is gone`);
}

/** Whether a page holds recording `id`'s lock (it is being recorded or uploaded there). */
export async function inUse(id: string): Promise<boolean> {
  const state = await locks()?.query().catch(() => null);
  return [...(state?.held ?? []), ...(state?.pending ?? [])].some((l) => l.name === lockName(id));
}

/** The ids of every recording with something stored in the file system or in IndexedDB. */
export async function storedIds(): Promise<string[]> {
  const ids = new Set<string>();
  try {
    for await (const entry of (await opfsRoot()).values()) if (entry.kind === 'directory') ids.add(entry.name);
  } catch { /* no file system here */ }
  try {
    const keys = (await request((await pieces('readonly')).getAllKeys())) as Array<[string, number]>;
    for (const [id] of keys) ids.add(id);
  } catch { /* no IndexedDB here */ }
  return [...ids];
}

/**
 * Stored recordings without a session (`known` says which ids have one) that no page is
 * uploading: their tab closed before the upload was created. Each comes with where it goes.
 */
export async function orphans(known: (id: string) => boolean): Promise<Array<{ buffer: RecordingBuffer; info: RecordingInfo }>> {
  const out: Array<{ buffer: RecordingBuffer; info: RecordingInfo }> = [];
  for (const id of await storedIds()) {
    if (known(id) || (await inUse(id))) continue;
    const buffer = await reopen(id).catch(() => null);
    const info = await buffer?.info();
    if (buffer && info) out.push({ buffer, info });
  }
  return out;
}

/** Deletes the stored pieces of recording `id` wherever they are (forgetUpload). */
export async function deleteRecording(id: string): Promise<void> {
  for (const prefer of ['opfs', 'indexeddb'] as const) {
    const { store, why } = await openStore(id, prefer).catch(() => ({ store: null, why: 'unavailable' }));
    if (store && !why) await store.destroy().catch(() => undefined);
  }
}

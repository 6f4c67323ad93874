// Type tests for the Uppy plugin (`ferry-upload/uppy`) against @uppy/core 6's own types:
// `uppy.use(Ferry, options)`, per-file options, the plugin registry. Compiled with
// `tsc --noEmit` only; nothing here runs. Each `@ts-expect-error` line is a misuse that must
// not compile.
import Uppy from '@uppy/core';
import Ferry, { type FerryFileOptions, type FerryUppyOptions } from 'ferry-upload/uppy';
import type { FerryError, HeaderContext } from 'ferry-upload';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<T extends true>(_: T): void {}

type M = { name: string; album?: string };
type B = Record<string, never>;
const uppy = new Uppy<M, B>();

uppy.use(Ferry, { endpoint: '/files/' });
uppy.use(Ferry, {
  endpoint: new URL('https://uploads.example/files/'),
  limit: 3,
  chunkSize: 'auto',
  parallelUploads: 4,
  retry: { budget: 60_000 },
  allowedMetaFields: ['album'],
  headers: async (file, { refused, method }: HeaderContext) => ({ Authorization: `${file.id}${file.name}${refused}${method}` }),
});

// @ts-expect-error the endpoint is required
uppy.use(Ferry, {});
// @ts-expect-error a chunk size is a number or 'auto'
uppy.use(Ferry, { endpoint: '/files/', chunkSize: '8MB' });
// @ts-expect-error the file comes from Uppy, never from the options
uppy.use(Ferry, { endpoint: '/files/', file: new Blob([]) });
// @ts-expect-error headers are strings
uppy.use(Ferry, { endpoint: '/files/', headers: { 'X-Count': 1 } });

// The registry knows the plugin by its id.
const plugin = uppy.getPlugin('Ferry');
assertType<Equal<typeof plugin, Ferry<M, B> | undefined>>(true);

// Per-file options.
const perFile: FerryFileOptions<M, B> = { endpoint: '/other/', chunkSize: 5 * 1024 * 1024 };
// @ts-expect-error `limit` belongs to the plugin, not to one file
const badPerFile: FerryFileOptions<M, B> = { limit: 2 };
void perFile; void badPerFile;

// Errors reach Uppy's upload-error as FerryErrors (with kind and code).
uppy.on('upload-error', (_file, error) => {
  const e = error as FerryError;
  const code: string = e.code;
  void code;
});

const options: FerryUppyOptions<M, B> = { endpoint: '/files/', id: 'MyFerry' };
void options;

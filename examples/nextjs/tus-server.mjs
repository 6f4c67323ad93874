// The example's TUS server: @tus/server with a FileStore, on 127.0.0.1 only, that accepts a
// request only with `Authorization: Bearer <token>` signed by the Next.js app (lib/token.mjs)
// and not expired, and answers CORS for the app's origin alone. It does not serve the app,
// downloads or anything else, and never issues tokens.
//
//   FERRY_UPLOAD_SECRET=... APP_ORIGIN=http://127.0.0.1:3000 TUS_PORT=1080 UPLOAD_DIR=./uploads node tus-server.mjs
//   (APP_ORIGIN may list several origins, comma-separated)
//
// Prints `tus listening on http://127.0.0.1:<port>/files/` once it listens (port 0 = any free one).
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { secretFromEnv, verifyToken } from './lib/token.mjs';

const secret = secretFromEnv();
const appOrigins = (process.env.APP_ORIGIN ?? 'http://127.0.0.1:3000').split(',').map((o) => o.trim()).filter(Boolean);
const port = Number(process.env.TUS_PORT ?? 1080);
const directory = process.env.UPLOAD_DIR ?? './uploads';

const tus = new Server({
  path: '/files',
  datastore: new FileStore({ directory }),
  // CORS: only the app may call, and the browser may read what ferry needs. @tus/server
  // already allows Authorization and exposes Location and Upload-Offset.
  allowedOrigins: appOrigins,
  exposedHeaders: ['Upload-Expires', 'Retry-After'],
  maxSize: 1024 * 1024 * 1024,
  async onIncomingRequest(req) {
    const auth = req.headers.get('authorization') ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    if (!verifyToken(secret, token)) {
      // ferry asks the app for a fresh token once (headers({ refused: true })), then fails with `unauthorized`.
      throw { status_code: 401, body: 'missing, invalid or expired upload token\n' };
    }
  },
});

const server = http.createServer((req, res) => tus.handle(req, res));
server.listen(port, '127.0.0.1', () => {
  console.log(`tus listening on http://127.0.0.1:${server.address().port}/files/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}

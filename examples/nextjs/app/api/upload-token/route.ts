// POST /api/upload-token: hands the browser a short-lived upload token (5 minutes) for the
// TUS server. The secret stays on the server; the browser only ever sees signed tokens.
// A real app checks the user's session here first and puts the user id in `sub`.
import { secretFromEnv, signToken } from '../../../lib/token.mjs';

export const dynamic = 'force-dynamic';
export const runtime = 'nodejs';

export async function POST(): Promise<Response> {
  const { token, expiresAt } = signToken(secretFromEnv(), { sub: 'demo-user', ttlSeconds: 300 });
  return Response.json({ token, expiresAt }, { headers: { 'Cache-Control': 'no-store' } });
}

// Short-lived upload tokens: `<payload>.<signature>`, both base64url, the signature an
// HMAC-SHA256 of the payload with a secret that only servers know (FERRY_UPLOAD_SECRET). The
// Next.js route hands tokens to the browser; the TUS server (tus-server.mjs) checks them on
// every request. Server-only code: never import it from a 'use client' module. It does not
// authenticate users (do that in the route before issuing a token) and keeps no state.
import crypto from 'node:crypto';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** The secret from the environment; refuses to run without one (no built-in default). */
export function secretFromEnv(env = process.env) {
  const secret = env.FERRY_UPLOAD_SECRET;
  if (!secret || secret.length < 32) {
    throw new Error('FERRY_UPLOAD_SECRET must be set to at least 32 random characters (server-side only)');
  }
  return secret;
}

/** Signs `{ sub, scope: 'upload', exp }`, valid for `ttlSeconds`. Returns `{ token, expiresAt }` (ms). */
export function signToken(secret, { sub = 'anonymous', ttlSeconds = 300, now = Date.now() } = {}) {
  const exp = Math.floor(now / 1000) + ttlSeconds;
  const payload = b64url(JSON.stringify({ sub, scope: 'upload', exp }));
  const signature = b64url(crypto.createHmac('sha256', secret).update(payload).digest());
  return { token: `${payload}.${signature}`, expiresAt: exp * 1000 };
}

/** Checks a token; returns its claims, or null when malformed, forged, of another scope or expired. */
export function verifyToken(secret, token, { now = Date.now() } = {}) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 2) return null;
  const [payload, signature] = parts;
  const expected = crypto.createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return null;
  let claims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (claims?.scope !== 'upload' || typeof claims.exp !== 'number' || claims.exp * 1000 <= now) return null;
  return claims;
}

// Types of lib/token.mjs for the TypeScript route handler. Declarations only.
export function secretFromEnv(env?: Record<string, string | undefined>): string;
export function signToken(secret: string, options?: { sub?: string; ttlSeconds?: number; now?: number }): { token: string; expiresAt: number };
export function verifyToken(secret: string, token: string | null | undefined, options?: { now?: number }): { sub: string; scope: 'upload'; exp: number } | null;

/**
 * @module One-use links mailed to a tenant's users (password reset, address verification): the
 * mail holds a random token, the tenant database only its hash and expiry.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

export const ACCOUNT_TOKENS = {
  passwordReset: { table: 'password_resets', page: '/reset-password', minutes: 30 },
  emailVerification: { table: 'email_verifications', page: '/verify-email', minutes: 24 * 60 },
} as const;
export type AccountTokenKind = keyof typeof ACCOUNT_TOKENS;

export const accountTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** Stores a new token for the user and returns the tenant page's link that carries it. */
export async function issueAccountToken(db: pg.Pool | pg.PoolClient, kind: AccountTokenKind, userId: string, tenantUrl: string): Promise<string> {
  const { table, page, minutes } = ACCOUNT_TOKENS[kind];
  const token = randomBytes(32).toString('base64url');
  await db.query(`INSERT INTO ${table} (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(mins => $3))`, [
    accountTokenHash(token),
    userId,
    minutes,
  ]);
  const link = new URL(page, tenantUrl);
  link.searchParams.set('token', token);
  return link.toString();
}

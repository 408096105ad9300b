/**
 * @module Sign-in throttling: after too many wrong passwords for one account, further attempts are
 * refused for a while (429 with Retry-After). Counted in the tenant's Redis, so every replica of the
 * user backend sees the same count; if Redis is away, sign-in stays open rather than locking everyone out.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TenantryError } from '@tenantry/core';

/** Wrong passwords allowed per account in a window. */
const MAX_FAILURES = 10;
const WINDOW_SECONDS = 15 * 60;

export const ThrottleErrors = {
  tooMany: (retryAfter: number) =>
    new TenantryError('TOO_MANY_ATTEMPTS', 429, `too many wrong passwords for this account; try again in ${Math.ceil(retryAfter / 60)} minute(s) or reset the password`, { retryAfterSeconds: retryAfter }),
} as const;

export class LoginThrottle {
  private readonly redis: Redis;

  constructor(redisUrl: string, private readonly prefix: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  private key(email: string): string {
    return `${this.prefix}:login-failures:${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32)}`;
  }

  /** Throws 429 when the account has had too many wrong passwords lately. */
  async check(email: string): Promise<void> {
    const key = this.key(email);
    const [count, ttl] = await Promise.all([this.redis.get(key), this.redis.ttl(key)]).catch(() => [null, -1] as const);
    if (Number(count) >= MAX_FAILURES) throw ThrottleErrors.tooMany(Math.max(1, Number(ttl)));
  }

  async failed(email: string): Promise<void> {
    const key = this.key(email);
    await this.redis.multi().incr(key).expire(key, WINDOW_SECONDS, 'NX').exec().catch(() => undefined);
  }

  async succeeded(email: string): Promise<void> {
    await this.redis.del(this.key(email)).catch(() => undefined);
  }

  close(): void {
    this.redis.disconnect();
  }
}

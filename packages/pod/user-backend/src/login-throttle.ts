/**
 * @module Sign-in throttling. Wrong passwords are counted per account and client address, per
 * client address, and per account across all addresses, in the tenant's Redis (so every replica of
 * the user backend sees the same counts). The first two limits are low: one address cannot guess
 * much, and its failures never lock the account for anyone else. The per-account limit is far higher
 * and stops a guess spread over many addresses. If Redis is away, sign-in stays open rather than
 * locking everyone out.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { TenantryError } from '@tenantry/core';

/** Wrong passwords allowed in a window: for one account from one address, from one address, for one account. */
export const LOGIN_LIMITS = { accountFromAddress: 10, address: 50, account: 500 } as const;
const WINDOW_SECONDS = 15 * 60;
/** The hash field of an account's counts that holds its total over every address. */
const TOTAL = '*';

export const ThrottleErrors = {
  tooMany: (retryAfter: number) =>
    new TenantryError(
      'TOO_MANY_ATTEMPTS',
      429,
      `too many wrong passwords from this address; try again in ${Math.ceil(retryAfter / 60)} minute(s) or reset the password`,
      { retryAfterSeconds: retryAfter },
    ),
} as const;

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

export class LoginThrottle {
  private readonly redis: Redis;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
  ) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, commandTimeout: 1_000, lazyConnect: true });
    this.redis.on('error', () => undefined);
  }

  /** One hash per account: a field per client address and the total; a reset of the password deletes it whole. */
  private accountKey(email: string): string {
    return `${this.prefix}:login-failures:${digest(email.toLowerCase())}`;
  }

  private addressKey(address: string): string {
    return `${this.prefix}:login-failures-from:${digest(address)}`;
  }

  /** Throws 429 when this address, or this account from it, has had too many wrong passwords lately. */
  async check(email: string, address: string): Promise<void> {
    const account = this.accountKey(email);
    const from = this.addressKey(address);
    const read = await this.redis
      .multi()
      .hmget(account, digest(address), TOTAL)
      .ttl(account)
      .get(from)
      .ttl(from)
      .exec()
      .catch(() => null);
    // Redis away (or a command refused): counted as no failures, so sign-in stays open.
    if (!read || read.some(([err]) => err)) return;
    const [counts, accountTtl, fromAddress, addressTtl] = read.map(([, value]) => value) as [(string | null)[], number, string | null, number];
    if (Number(counts[0]) >= LOGIN_LIMITS.accountFromAddress || Number(counts[1]) >= LOGIN_LIMITS.account)
      throw ThrottleErrors.tooMany(Math.max(1, accountTtl));
    if (Number(fromAddress) >= LOGIN_LIMITS.address) throw ThrottleErrors.tooMany(Math.max(1, addressTtl));
  }

  async failed(email: string, address: string): Promise<void> {
    const account = this.accountKey(email);
    const from = this.addressKey(address);
    await this.redis
      .multi()
      .hincrby(account, digest(address), 1)
      .hincrby(account, TOTAL, 1)
      .expire(account, WINDOW_SECONDS, 'NX')
      .incr(from)
      .expire(from, WINDOW_SECONDS, 'NX')
      .exec()
      .catch(() => undefined);
  }

  /** A right password from this address clears this address's count for the account. */
  async succeeded(email: string, address: string): Promise<void> {
    await this.redis.hdel(this.accountKey(email), digest(address)).catch(() => undefined);
  }

  /** A new password ends every lock-out of the account (not the limits of the addresses). */
  async passwordChanged(email: string): Promise<void> {
    await this.redis.del(this.accountKey(email)).catch(() => undefined);
  }

  close(): void {
    this.redis.disconnect();
  }
}

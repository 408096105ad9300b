/**
 * @module Password hashing for every tenant's users: argon2id with OWASP's 19 MiB setting, through
 * @node-rs/argon2 (prebuilt for each platform, no install script, no compiler needed).
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

/**
 * Verified against when the account is unknown, so the answer takes as long as for a real one: a hash made
 * with OPTIONS (its parameters are checked by the tests), written here rather than computed at each start,
 * which cost every backend process an argon2 run and 19 MiB while it loads.
 */
export const UNKNOWN_ACCOUNT_HASH = '$argon2id$v=19$m=19456,t=2,p=1$ZZ+Y7e6bgR8KQHsSSbh7Mw$diQO2D7DxX7jCxLE9CtrRmwGe0KQzfb+5GPzcV/e5+Y';

/** The parameters part of a hash made with OPTIONS (`$argon2id$v=19$m=…,t=…,p=…`). */
export const HASH_PARAMETERS = `$argon2id$v=19$m=${OPTIONS.memoryCost},t=${OPTIONS.timeCost},p=${OPTIONS.parallelism}$`;

/** Whether `password` matches `passwordHash`; with no hash, spends the same time and says no. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const matches = await verify(passwordHash ?? UNKNOWN_ACCOUNT_HASH, password).catch(() => false);
  return passwordHash !== undefined && matches;
}

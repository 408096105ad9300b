/**
 * @module Password hashing for every tenant's users: argon2id with OWASP's 19 MiB setting, through
 * @node-rs/argon2 (prebuilt for each platform, no install script, no compiler needed).
 */
import { Algorithm, hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

/** Verified against when the account is unknown, so the answer takes as long as for a real one. */
const DUMMY = hashPassword('not the password of anyone');

/** Whether `password` matches `passwordHash`; with no hash, spends the same time and says no. */
export async function verifyPassword(passwordHash: string | undefined, password: string): Promise<boolean> {
  const matches = await verify(passwordHash ?? (await DUMMY), password).catch(() => false);
  return passwordHash !== undefined && matches;
}

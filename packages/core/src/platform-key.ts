/** @module The platform key: its environment variable, its text form, and how a new one is made. */
import { randomBytes } from 'node:crypto';

/** The environment variable that carries the platform key to the master's programs. */
export const SECRET_KEY_VARIABLE = 'TENANTRY_SECRET_KEY';
export const SECRET_KEY_BYTES = 32;
export const SECRET_KEY_MESSAGE = `must be ${SECRET_KEY_BYTES} random bytes in base64 (make one with: openssl rand -base64 32)`;

/** The key's bytes from its text form (base64 or base64url), or undefined when it is not 32 bytes of that. */
export function parseSecretKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === SECRET_KEY_BYTES ? key : undefined;
}

/** A new platform key in its text form. */
export function newSecretKey(): string {
  return randomBytes(SECRET_KEY_BYTES).toString('base64');
}

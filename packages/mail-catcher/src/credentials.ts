/** @module SMTP and mailbox-API credentials derived from one platform key, so nothing is stored per tenant. */
import { createHmac, timingSafeEqual } from 'node:crypto';

// Kept free of @tenantry/core: the provisioning code imports this module to hand a tenant its
// credentials and should not load the logger and config machinery for that.

/** A mailbox is named after its tenant's slug. */
export const MAILBOX_PATTERN = /^[a-z0-9-]{1,63}$/;

const PASSWORD_LENGTH = 32;

export interface MailCredentials {
  user: string;
  password: string;
}

export function isMailboxName(value: unknown): value is string {
  return typeof value === 'string' && MAILBOX_PATTERN.test(value);
}

/** The SMTP login and mailbox-API login of `mailbox`: the same pair serves both. */
export function mailCredentials(key: string, mailbox: string): MailCredentials {
  if (key.length === 0) throw new Error('the mail catcher key must not be empty');
  if (!isMailboxName(mailbox)) throw new Error(`mailbox ${JSON.stringify(mailbox)} is not a tenant slug (a-z, 0-9 and '-', at most 63 characters)`);
  return { user: mailbox, password: derivePassword(key, mailbox) };
}

/** True when `password` is the one `mailCredentials` gives for `user`; compared in constant time. */
export function verifyMailCredentials(key: string, user: string, password: string): boolean {
  if (key.length === 0 || !isMailboxName(user) || typeof password !== 'string') return false;
  const expected = Buffer.from(derivePassword(key, user));
  const given = Buffer.from(password);
  // The length is public (always 32), so only the content needs a constant-time comparison.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function derivePassword(key: string, mailbox: string): string {
  // The "smtp:" prefix keeps these passwords apart from anything else derived from the same key.
  return createHmac('sha256', key).update(`smtp:${mailbox}`).digest('base64url').slice(0, PASSWORD_LENGTH);
}

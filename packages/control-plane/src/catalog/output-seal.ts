/**
 * @module Seals the provisioning steps' outputs for the catalog with the platform key (AES-256-GCM),
 * so database URLs, storage keys and mail logins are never stored in clear.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, parseSecretKey, SECRET_KEY_MESSAGE, SECRET_KEY_VARIABLE } from '@tenantry/core';

/** How a sealed output is stored: the only key of its JSON object. */
const SEALED = 'sealed';
const VERSION = 'v1';
const IV_BYTES = 12;

/** A key that is not 32 bytes of base64, or that does not open what the catalog holds: a start-up error of one line. */
export class SecretKeyError extends ConfigError {
  constructor(problem: string) {
    super('catalog', [problem]);
    this.name = 'SecretKeyError';
  }
}

/** True when a stored output is sealed (a catalog written before sealing holds plain JSON). */
export function isSealed(stored: unknown): stored is { sealed: string } {
  return typeof stored === 'object' && stored !== null && Object.keys(stored).length === 1 && typeof (stored as Record<string, unknown>)[SEALED] === 'string';
}

/**
 * Seals and opens step outputs. The whole output is sealed, not chosen fields: every grant a step
 * returns is made of credentials or of addresses that lead to them, and a field added later cannot
 * be forgotten. The step's name is bound to the ciphertext (as associated data), so a sealed output
 * copied to another step or tenant does not open.
 */
export class OutputSeal {
  private readonly key: Buffer;

  constructor(keyText: string) {
    const key = parseSecretKey(keyText);
    if (!key) throw new SecretKeyError(`${SECRET_KEY_VARIABLE} ${SECRET_KEY_MESSAGE}`);
    this.key = key;
  }

  seal(slug: string, step: string, output: unknown): { sealed: string } {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${slug}/${step}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(output), 'utf8'), cipher.final()]);
    return { [SEALED]: [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.') } as { sealed: string };
  }

  /** The output as it was given; a plain (legacy) output is returned as it is. */
  open(slug: string, step: string, stored: unknown): unknown {
    if (!isSealed(stored)) return stored;
    const [version, iv, tag, body] = stored.sealed.split('.');
    if (version !== VERSION || !iv || !tag || body === undefined)
      throw new SecretKeyError(`the catalog's output of step ${step} of tenant ${slug} is not in a known sealed form`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(`${slug}/${step}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8'));
    } catch (err) {
      throw new SecretKeyError(
        `${SECRET_KEY_VARIABLE} does not open the catalog's sealed step outputs (tenant ${slug}, step ${step}): start with the key the catalog was written with (${(err as Error).message})`,
      );
    }
  }
}

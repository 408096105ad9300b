/** @module The base of every boundary's error catalogue. */

/**
 * An error that crosses a boundary (HTTP API, gateway, CLI): a stable code, the HTTP status it
 * maps to, and a message that tells the caller what to fix. Each boundary defines its own
 * catalogue of these; anything else reaching a boundary is an internal error.
 */
export class TenantryError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TenantryError';
  }

  toJSON(): { error: { code: string; message: string; details?: Record<string, unknown> } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export function isTenantryError(err: unknown): err is TenantryError {
  return err instanceof TenantryError;
}

/** The message of anything thrown, for logs and stored step errors. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** @module Waiting on a condition with a deadline, never for a fixed time. */

export interface WaitOptions {
  /** What is awaited, for the timeout message. */
  what: string;
  /** @defaultValue 10000 */
  timeoutMs?: number;
  /** @defaultValue 50 */
  intervalMs?: number;
  signal?: AbortSignal;
}

export class WaitTimeoutError extends Error {
  constructor(
    what: string,
    timeoutMs: number,
    readonly lastError?: unknown,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`);
    this.name = 'WaitTimeoutError';
  }
}

/**
 * Calls `probe` until it returns a value other than undefined/false, or throws WaitTimeoutError.
 * A probe that throws counts as "not yet"; its last error is kept for the timeout message.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, options: WaitOptions): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) throw new WaitTimeoutError(options.what, timeoutMs, lastError);
    await delay(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

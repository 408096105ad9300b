/**
 * @module Starting servers so that a failure midway leaves nothing running: a process left behind by a failed
 * start keeps the test runner (or `tenantry up`) from ever exiting.
 */

export interface Stoppable {
  stop(): Promise<void>;
}

/** Waits for `ready`; if it fails, runs `stop` (which must tolerate a process that already exited), then throws. */
export async function readyOrStopped<T>(ready: Promise<T>, stop: () => Promise<void>): Promise<T> {
  try {
    return await ready;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** Starts servers concurrently; if any fails to start, stops every one that did, then throws the first failure. */
export async function startAll<T extends readonly Stoppable[]>(starting: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(starting as readonly Promise<Stoppable>[]);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) {
    await Promise.allSettled(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop()] : [])));
    throw failure.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<Stoppable>).value) as unknown as T;
}

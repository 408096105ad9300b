/** @module Running tasks one after another, in the order they were asked for. */

/**
 * A runner that starts each task once the one before it settled, whether it succeeded or not; each caller
 * gets its own task's outcome. For commands that cannot run side by side (they lock a shared file).
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return (task) => {
    const result = last.then(task);
    last = result.catch(() => undefined);
    return result;
  };
}

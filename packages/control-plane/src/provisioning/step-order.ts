/**
 * @module The order the provisioning steps run in: each as soon as the steps it waits for are done, so
 * steps that do not depend on each other (the database, the storage folder, the queue...) run at once.
 */
import type { ProvisioningStep } from './steps.js';

/** The steps a step waits for when it is applied: those whose output it takes and those it must come after. */
export function prerequisites(step: ProvisioningStep): readonly string[] {
  return [...step.reads.steps, ...(step.after ?? [])];
}

/** The steps a step waits for when it is woken: those whose output it takes. */
export function inputs(step: ProvisioningStep): readonly string[] {
  return step.reads.steps;
}

/** The reverse order, for undoing (a freeze): a step waits for every step (of `steps`) that takes its output. */
export function dependents(steps: readonly ProvisioningStep[]): (step: ProvisioningStep) => readonly string[] {
  return (step) => steps.filter((other) => inputs(other).includes(step.name)).map((other) => other.name);
}

export interface OrderedRun<S> {
  /** The steps that succeeded, in the order they finished. */
  done: S[];
  /** Whether a step failed (no step was started after it). */
  failed: boolean;
  /** Whether `mayStart` said no (no step was started after it). */
  stopped: boolean;
}

/**
 * Runs `run` for each step once every step it waits for (among `steps`) succeeded; steps that do not wait
 * on each other run at once. After a failure, or when `mayStart` says no, no step is started; those running
 * are awaited. `run` resolves whether its step succeeded; a step that throws is rethrown once nothing runs.
 */
export async function runInOrder<S extends { name: string }>(
  steps: readonly S[],
  waitsFor: (step: S) => readonly string[],
  run: (step: S) => Promise<boolean>,
  mayStart: () => Promise<boolean> = async () => true,
): Promise<OrderedRun<S>> {
  const names = new Set(steps.map((s) => s.name));
  const done: S[] = [];
  const succeeded = new Set<string>();
  const finished = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failed = false;
  let stopped = false;
  let thrown: { error: unknown } | undefined;
  for (;;) {
    const ready = steps.filter((s) => !running.has(s.name) && !finished.has(s.name) && waitsFor(s).every((name) => !names.has(name) || succeeded.has(name)));
    if (!failed && !stopped && !thrown && ready.length > 0 && !(await mayStart())) stopped = true;
    if (!failed && !stopped && !thrown) {
      for (const step of ready) {
        const settled = run(step).then(
          (ok) => {
            if (!ok) failed = true;
            else {
              done.push(step);
              succeeded.add(step.name);
            }
          },
          (error: unknown) => {
            thrown ??= { error };
          },
        );
        running.set(
          step.name,
          settled.finally(() => {
            running.delete(step.name);
            finished.add(step.name);
          }),
        );
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (thrown) throw thrown.error;
  return { done, failed, stopped };
}

/**
 * @module The start gate: how a pre-started program waits for the tenant it will serve. The local node
 * agent keeps a few pod programs started before any tenant is known (their modules loaded, nothing of a
 * tenant in them); one takes a tenant's identity once (its environment, OS user and folder) and only
 * then runs its main function. A program run the ordinary way finds no gate and starts at once.
 *
 * Written without imports: the launcher loads it before the program, and it must cost nothing.
 */
const GATE = Symbol.for('tenantry.start-gate');
const WARM_UP = Symbol.for('tenantry.start-gate.warm-up');

type GlobalWithGate = typeof globalThis & { [GATE]?: Promise<void>; [WARM_UP]?: Promise<void> };

/** The launcher's side, before it imports the program: installs the gate; the function returned opens it. */
export function installStartGate(): () => void {
  let open!: () => void;
  (globalThis as GlobalWithGate)[GATE] = new Promise<void>((resolve) => (open = resolve));
  return open;
}

/** The program's side (runMain): resolves once the launcher gave the process its identity, at once without a launcher. */
export function startGateOpened(): Promise<void> {
  return (globalThis as GlobalWithGate)[GATE] ?? Promise.resolve();
}

/**
 * The program's side: work that makes its start after the gate cheaper (building its server once with no
 * tenant in it, so its code is compiled and its lazy modules loaded), done while it waits, only when it
 * waits at a gate. It must touch nothing of a tenant and leave nothing open; a failure is ignored (the
 * start then does the work itself).
 */
export function warmUpAtGate(work: () => Promise<void>): void {
  const global = globalThis as GlobalWithGate;
  if (!global[GATE]) return;
  global[WARM_UP] = (global[WARM_UP] ?? Promise.resolve()).then(work).catch(() => undefined);
}

/** Resolves once the warm-up (if any) is done: the launcher says it is loaded only then, and the program's main waits for it. */
export function warmedUp(): Promise<void> {
  return (globalThis as GlobalWithGate)[WARM_UP] ?? Promise.resolve();
}

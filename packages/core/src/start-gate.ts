/**
 * @module The start gate: how a pre-started program waits for the tenant it will serve. The local node
 * agent keeps a few pod programs started before any tenant is known (their modules loaded, nothing of a
 * tenant in them); one takes a tenant's identity once (its environment, OS user and folder) and only
 * then runs its main function. A program run the ordinary way finds no gate and starts at once.
 *
 * Written without imports: the launcher loads it before the program, and it must cost nothing.
 */
const GATE = Symbol.for('tenantry.start-gate');

type GlobalWithGate = typeof globalThis & { [GATE]?: Promise<void> };

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

/**
 * @module What a pre-started pod program runs first (`node [flags] prestart-launcher.js <program> [args]`):
 * installs the start gate, says it listens, loads the program (its main waits at the gate) and lets it warm up,
 * says it is loaded, and waits for the one identity it will ever take: the tenant's environment, folder and OS user.
 * It applies them, closes the channel to the supervisor and opens the gate. A launcher left without a
 * supervisor before it got an identity exits.
 */
import { pathToFileURL } from 'node:url';
import { installStartGate, warmedUp } from '@tenantry/core/start-gate';
import type { Identity, LauncherMessage } from './warm-pool.js';

const [program, ...args] = process.argv.slice(2);
if (!program || !process.send) {
  process.stderr.write('prestart-launcher: run by the supervisor with an IPC channel and a program to load\n');
  process.exit(2);
}
const send = process.send.bind(process);
// The program sees itself as started the ordinary way.
process.argv.splice(1, process.argv.length - 1, program, ...args);
const open = installStartGate();
let taken = false;

process.once('message', (identity: Identity) => {
  taken = true;
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, identity.env);
  if (identity.cwd) process.chdir(identity.cwd);
  // As spawn does with uid and gid: no supplementary groups, the group, then the user (root cannot be regained).
  if (identity.gid !== undefined) {
    process.setgroups?.([]);
    process.setgid?.(identity.gid);
  }
  if (identity.uid !== undefined) process.setuid?.(identity.uid);
  process.disconnect?.();
  open();
});
process.once('disconnect', () => {
  if (!taken) process.exit(0);
});
// Only now may the identity be sent: a message that arrives with no listener is lost.
send({ state: 'listening' } satisfies LauncherMessage);

await import(pathToFileURL(program).href);
// Loaded means ready to start at once: what the program warms up while it waits is done too.
await warmedUp();
if (!taken) send({ state: 'loaded' } satisfies LauncherMessage);

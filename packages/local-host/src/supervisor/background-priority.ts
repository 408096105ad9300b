/**
 * @module Work no one waits for runs at the lowest CPU priority: pre-started processes while they load and
 * wait, and programs marked startLater until they serve. When pods start, their first programs then get the
 * CPU first; idle CPU still goes to the background work at once. A process is given the normal priority back
 * (the supervisor's own) when it is taken for a tenant or passes its health check.
 *
 * Linux keeps a priority per thread, and a thread takes its creator's: a background process is started through
 * `nice` so that every thread it creates has the low priority, and each of its threads is given the normal
 * priority back. Giving it back needs CAP_SYS_NICE (root has it); without it nothing is lowered.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The lowest priority Linux has. */
const BACKGROUND_NICENESS = 19;
const CAP_SYS_NICE = 23n;

/** Whether this process may raise a process's priority again (CAP_SYS_NICE in its effective set). */
function mayRaisePriority(): boolean {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'));
    return line !== undefined && ((BigInt(`0x${line.slice('CapEff:'.length).trim()}`) >> CAP_SYS_NICE) & 1n) === 1n;
  } catch {
    return false;
  }
}

let enabled: boolean | undefined;

/** Whether background processes get a lower priority here (Linux, with CAP_SYS_NICE). */
export function backgroundPriority(): boolean {
  enabled ??= process.platform === 'linux' && mayRaisePriority();
  return enabled;
}

/** The command line that runs `command args` at the background priority (as it is, where that is off). */
export function inBackground(command: string, args: readonly string[]): [string, string[]] {
  return backgroundPriority() ? ['nice', ['-n', String(BACKGROUND_NICENESS), command, ...args]] : [command, [...args]];
}

/** Gives every thread of a process the supervisor's priority back; a process already gone is left alone. */
export function toForeground(pid: number | undefined): void {
  if (pid === undefined || !backgroundPriority()) return;
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return;
  }
  const normal = getPriority();
  for (const tid of threads) {
    try {
      setPriority(Number(tid), normal);
    } catch {
      // The thread ended meanwhile.
    }
  }
}

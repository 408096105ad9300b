/** @module The machine's OS users, as the platform sees them: whether it runs as root, and a user's ids by name. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** An OS user a process can be started as. */
export interface ServiceUser {
  uid: number;
  gid: number;
  name: string;
}

/** getent's exit code when the database has no such entry. */
const GETENT_NOT_FOUND = 2;

/** Only root can create users and start processes as them. */
export function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The user called `name` with its uid and primary gid, or undefined when there is none. */
export function findOsUser(name: string): ServiceUser | undefined {
  try {
    const [, , uid, gid] = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).split(':');
    return { uid: Number(uid), gid: Number(gid), name };
  } catch (err) {
    if ((err as { status?: unknown }).status === GETENT_NOT_FOUND) return undefined;
    throw err;
  }
}

/**
 * The user called `name` in the local user database (`/etc/passwd`, which useradd writes), without starting a
 * process: for users the platform made itself, looked up on every tenant's provisioning and resync.
 */
export function findLocalUser(name: string, passwd = '/etc/passwd'): ServiceUser | undefined {
  for (const line of readFileSync(passwd, 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid), name };
  }
  return undefined;
}

/**
 * @module What separates tenants on this machine at the OS level. As root, each tenant's processes run
 * as its own OS user: those users (and Postgres's) must reach the code and the data they use, and must
 * not read the platform's own files. Otherwise isolation between tenants is by process only.
 */
import { chmodSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runsAsRoot } from '@tenantry/driver-local';

/** The repository root of this build, where the pod programs and the Postgres binaries are. */
export const CHECKOUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Folders of TENANTRY_HOME that tenants' users pass through to reach their own sub-folder. */
/** The folder of TENANTRY_HOME holding each tenant's own redis-server (its data folder is the tenant's). */
export const TENANT_REDIS_FOLDER = 'tenant-redis';

const TRAVERSABLE_BY_TENANTS = ['storage', 'cache', 'postgres', TENANT_REDIS_FOLDER];

/** The first folder on the way to `path` that users other than root cannot enter, if any. */
export function closedAncestor(path: string): string | undefined {
  let closed: string | undefined;
  for (let current = resolve(path); ; current = dirname(current)) {
    if (existsSync(current) && statSync(current).isDirectory() && (statSync(current).mode & 0o001) === 0) closed = current;
    if (dirname(current) === current) return closed;
  }
}

export class UnreachableForTenantsError extends Error {
  constructor(what: string, path: string, closed: string) {
    super(
      `as root, tenants and Postgres run as their own OS users, which cannot enter ${closed} (mode ${(statSync(closed).mode & 0o777).toString(8)}) to reach ${what} ${path}: ` +
        `move it out (e.g. the checkout to /opt/tenantry, TENANTRY_HOME=/var/lib/tenantry) or allow passing through with chmod o+x ${closed}`,
    );
    this.name = 'UnreachableForTenantsError';
  }
}

/** As root: refuses a layout other users cannot reach (a checkout under a 0700 /root), with one line saying what to do. */
export function checkReachableByTenants(home: string, code: string = CHECKOUT_DIR, node: string = process.execPath): void {
  if (!runsAsRoot()) return;
  const closedCode = closedAncestor(code);
  if (closedCode) throw new UnreachableForTenantsError('the platform code in', code, closedCode);
  // e.g. a Node.js installed by nvm under /root: tenants' programs could not be started.
  const closedNode = closedAncestor(dirname(node));
  if (closedNode) throw new UnreachableForTenantsError('Node.js at', node, closedNode);
  const closedHome = closedAncestor(dirname(resolve(home)));
  if (closedHome) throw new UnreachableForTenantsError('TENANTRY_HOME', home, closedHome);
}

/**
 * As root: tenants' users may pass through TENANTRY_HOME (0711) to their own folders, but every
 * platform-only entry (catalog, secrets, admin token, agent state, logs, mail) is 0700 or 0600.
 */
export function closePlatformHome(home: string): void {
  if (!runsAsRoot()) return;
  chmodSync(home, 0o711);
  for (const entry of readdirSync(home, { withFileTypes: true })) {
    const path = join(home, entry.name);
    if (entry.isDirectory()) chmodSync(path, TRAVERSABLE_BY_TENANTS.includes(entry.name) ? 0o711 : 0o700);
    else if (entry.isFile()) chmodSync(path, 0o600);
  }
}

/** The start-up line saying how tenants are kept apart on this machine. */
export function isolationLine(): string {
  return runsAsRoot()
    ? 'isolation: each tenant runs as its own OS user (uids from TENANTRY_TENANT_UIDS); its files and logs are mode 0700'
    : "isolation: between tenants by process only (not running as root, so every tenant runs as this OS user and can read the others' files); run as root for an OS user per tenant";
}

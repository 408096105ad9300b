/** @module Postgres clusters made fast: initdb once into a template, then copy it per instance. */
import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { WorkloadSpecInput } from '../agent/protocol.js';
import type { PostgresBinaries } from './binaries.js';
import type { ServiceUser } from '../os-users.js';

const run = promisify(execFile);

/** Superuser of every local instance; it logs in over loopback with a password only. */
export const SUPERUSER = 'postgres';

export interface InstanceSettings {
  maxConnections: number;
  sharedBuffersMb: number;
}

/** Small footprints: a dedicated tenant instance idles at a few tens of MB. */
export const INSTANCE_SIZES = {
  platform: { maxConnections: 100, sharedBuffersMb: 32 },
  sharedTrial: { maxConnections: 300, sharedBuffersMb: 64 },
  dedicated: { maxConnections: 40, sharedBuffersMb: 16 },
} satisfies Record<string, InstanceSettings>;

/** Runs initdb into `dir` (once): scram-sha-256 everywhere, only TCP on loopback. */
export async function initTemplateCluster(dir: string, binaries: PostgresBinaries, user: ServiceUser | undefined, superuserPassword: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const work = `${dir}.init-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(work, { mode: 0o700 });
  const pwfile = join(dirname(dir), `.pw-${process.pid}`);
  await writeFile(pwfile, superuserPassword, { mode: 0o600 });
  try {
    if (user) {
      await chown(work, user.uid, user.gid);
      await chown(pwfile, user.uid, user.gid);
    }
    await run(binaries.initdb, ['-D', work, '-U', SUPERUSER, '--pwfile', pwfile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'], {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      cwd: dirname(dir),
    });
    await writeFile(join(work, 'pg_hba.conf'), 'host all all 127.0.0.1/32 scram-sha-256\nhost all all ::1/128 scram-sha-256\n');
    if (user) await chown(join(work, 'pg_hba.conf'), user.uid, user.gid);
    await rename(work, dir);
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw new Error(`initdb failed for ${dir}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** Copies the template cluster into `dir` unless it is already a cluster; the copy is atomic. */
export async function copyCluster(template: string, dir: string): Promise<boolean> {
  if (existsSync(join(dir, 'PG_VERSION'))) return false;
  const work = `${dir}.copy-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  await run('cp', ['-a', template, work]);
  await chmod(work, 0o700);
  await rm(dir, { recursive: true, force: true });
  await rename(work, dir);
  return true;
}

/** The supervised process of one Postgres instance. */
export function postgresWorkload(options: {
  name: string;
  dataDir: string;
  port: number;
  binaries: PostgresBinaries;
  user: ServiceUser | undefined;
  settings: InstanceSettings;
  labels: Record<string, string>;
}): WorkloadSpecInput {
  const { settings } = options;
  return {
    name: options.name,
    labels: options.labels,
    processes: [
      {
        name: 'postgres',
        command: options.binaries.postgres,
        args: [
          '-D',
          options.dataDir,
          '-p',
          String(options.port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'unix_socket_directories=',
          '-c',
          `max_connections=${settings.maxConnections}`,
          '-c',
          `shared_buffers=${settings.sharedBuffersMb}MB`,
          '-c',
          'password_encryption=scram-sha-256',
          '-c',
          'logging_collector=off',
        ],
        env: { LANG: 'C', PATH: process.env.PATH ?? '/usr/bin:/bin' },
        cwd: options.dataDir,
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
        health: { kind: 'tcp', port: options.port },
        stopSignal: 'SIGINT',
        stopTimeoutMs: 15_000,
      },
    ],
  };
}

/** A connection URL to `database` on a local instance. */
export function postgresUrl(port: number, user: string, password: string, database: string): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/** @module The platform's own Postgres servers when DATABASE_URL is not set: the master database and the shared trial server. */
import { statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { waitFor } from '@tenantry/core';
import {
  INSTANCE_SIZES,
  SUPERUSER,
  adminPool,
  closeDefaultDatabases,
  copyCluster,
  initTemplateCluster,
  postgresBinaries,
  postgresServiceUser,
  postgresUrl,
  postgresWorkload,
  type InstanceSettings,
  type PostgresBinaries,
  type ServiceUser,
} from '@tenantry/driver-local';
import type { NodeAgent } from '../agent/node-agent.js';

export interface PostgresLayout {
  binaries: PostgresBinaries;
  user: ServiceUser | undefined;
  /** Holds template/, platform/, trial/ and instances/<slug>/. */
  root: string;
  templateDir: string;
  instancesDir: string;
}

/**
 * Where the clusters live. Postgres runs as a non-root user, which must be able to reach its data
 * directory; when TENANTRY_HOME is inside a folder that user cannot enter (e.g. /root), the
 * clusters go to /var/lib/tenantry/<id> instead.
 */
export function postgresLayout(home: string, binDir: string | undefined): PostgresLayout {
  const user = postgresServiceUser();
  let root = join(home, 'postgres');
  if (user && !othersCanTraverse(home)) {
    root = join('/var/lib/tenantry', createHash('sha256').update(home).digest('hex').slice(0, 12), 'postgres');
  }
  return { binaries: postgresBinaries(binDir), user, root, templateDir: join(root, 'template'), instancesDir: join(root, 'instances') };
}

function othersCanTraverse(dir: string): boolean {
  for (let current = dir; ; current = dirname(current)) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false;
    } catch {
      // Not made yet: it will be made with default permissions.
    }
    if (dirname(current) === current) return true;
  }
}

export async function ensureTemplate(layout: PostgresLayout, superuserPassword: string): Promise<void> {
  await initTemplateCluster(layout.templateDir, layout.binaries, layout.user, superuserPassword);
}

/** Starts (or adopts) one of the platform's embedded servers and returns its superuser URL. */
export async function startEmbeddedServer(
  agent: NodeAgent,
  layout: PostgresLayout,
  name: 'platform' | 'trial',
  settings: InstanceSettings,
  superuserPassword: string,
): Promise<string> {
  const workload = `${name}-postgres`;
  const dataDir = join(layout.root, name);
  await copyCluster(layout.templateDir, dataDir);
  const { postgres: port } = await agent.leasePorts(workload, ['postgres']);
  await agent.applyWorkload(
    postgresWorkload({ name: workload, dataDir, port: port!, binaries: layout.binaries, user: layout.user, settings, labels: { layer: 'platform' } }),
    false,
  );
  const url = postgresUrl(port!, SUPERUSER, superuserPassword, 'postgres');
  await waitFor(
    async () => {
      const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
      try {
        await client.connect();
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    { what: `the ${name} Postgres server to accept connections`, timeoutMs: 60_000, intervalMs: 50 },
  );
  if (name === 'trial') {
    const admin = adminPool(url, 1);
    await closeDefaultDatabases(admin).finally(() => admin.end());
  }
  return url;
}

export const EMBEDDED_SIZES = { platform: INSTANCE_SIZES.platform, trial: INSTANCE_SIZES.sharedTrial };

/**
 * Creates the master database (the tenant catalog) owned by a login of its own, not the superuser,
 * closed to every other login; returns that login's URL. Idempotent; the password is reset each time.
 */
export async function ensureCatalogDatabase(adminUrl: string, database: string, password: string): Promise<string> {
  const role = `${database}_catalog`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
    const login = `${pg.escapeIdentifier(role)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`;
    await client.query(exists.rowCount === 0 ? `CREATE ROLE ${login}` : `ALTER ROLE ${login}`);
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (db.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(role)}`);
    await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.username = role;
  url.password = password;
  url.pathname = `/${database}`;
  return url.toString();
}

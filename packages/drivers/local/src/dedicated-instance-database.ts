/** @module Production tenants: a dedicated Postgres instance each (the brief's dedicated RDS instance). */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomSecret, tenantDatabaseLimits, waitFor } from '@tenantry/core';
import { observeDatabaseLogin, type DatabaseDriver, type DatabaseGrant, type Observed, type ProgressReporter, type TenantRef } from '@tenantry/control-plane';
import pg from 'pg';
import type { AgentClient } from './agent/agent-client.js';
import type { PostgresBinaries } from './postgres/binaries.js';
import type { ServiceUser } from './os-users.js';
import { INSTANCE_SIZES, SUPERUSER, copyCluster, postgresUrl, postgresWorkload } from './postgres/cluster.js';
import { adminPool, closeDefaultDatabases, ensureTenantDatabase, tenantDatabaseNames } from './postgres/tenant-database.js';

export interface DedicatedInstanceDatabaseOptions {
  agent: AgentClient;
  binaries: PostgresBinaries;
  user: ServiceUser | undefined;
  /** A cluster initialised once, copied for each instance. */
  templateDir: string;
  /** Folder holding one data directory per tenant. */
  instancesDir: string;
  superuserPassword: string;
  namingKey: string;
  /** @defaultValue 30000 */
  startTimeoutMs?: number;
}

export function dedicatedWorkloadName(slug: string): string {
  return `db-${slug}`;
}

export class DedicatedInstanceDatabase implements DatabaseDriver {
  constructor(private readonly options: DedicatedInstanceDatabaseOptions) {}

  async create(tenant: TenantRef, progress: ProgressReporter): Promise<DatabaseGrant> {
    const { agent } = this.options;
    const workload = dedicatedWorkloadName(tenant.slug);
    const dataDir = join(this.options.instancesDir, tenant.slug);
    const { postgres: port } = await agent.leasePorts(workload, ['postgres']);
    if (await copyCluster(this.options.templateDir, dataDir)) progress('copied the initialised cluster');
    progress(`starting a dedicated Postgres instance on port ${port}`);
    await agent.applyWorkload(
      postgresWorkload({
        name: workload,
        dataDir,
        port: port!,
        binaries: this.options.binaries,
        user: this.options.user,
        settings: INSTANCE_SIZES.dedicated,
        labels: { tenant: tenant.slug, layer: 'database' },
      }),
    );
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    await agent.waitWorkloadReady(workload, timeoutMs);
    const adminUrl = postgresUrl(port!, SUPERUSER, this.options.superuserPassword, 'postgres');
    await waitFor(() => acceptsConnections(adminUrl), { what: `the Postgres instance of ${tenant.slug} to accept connections`, timeoutMs, intervalMs: 20 });
    progress('creating the database and login');
    const names = tenantDatabaseNames(tenant.slug, this.options.namingKey);
    const password = randomSecret();
    const admin = adminPool(adminUrl, 1);
    try {
      await closeDefaultDatabases(admin);
      await ensureTenantDatabase(admin, adminUrl, names, password, tenant, tenantDatabaseLimits(tenant.tier));
    } finally {
      await admin.end();
    }
    return {
      url: postgresUrl(port!, names.login, password, names.database),
      location: { kind: 'dedicated-instance', host: '127.0.0.1', port: port!, database: names.database },
    };
  }

  /** Stops the tenant's instance (a fast shutdown: its data on disk, its port kept). */
  async suspend(tenant: TenantRef): Promise<void> {
    await this.options.agent.suspendWorkload(dedicatedWorkloadName(tenant.slug));
  }

  /** Starts the instance again and resolves once it accepts connections. */
  async resume(tenant: TenantRef): Promise<void> {
    const { agent } = this.options;
    const workload = dedicatedWorkloadName(tenant.slug);
    const timeoutMs = this.options.startTimeoutMs ?? 30_000;
    const { postgres: port } = await agent.leasePorts(workload, ['postgres']);
    await agent.resumeWorkload(workload);
    await agent.waitWorkloadReady(workload, timeoutMs);
    const adminUrl = postgresUrl(port!, SUPERUSER, this.options.superuserPassword, 'postgres');
    await waitFor(() => acceptsConnections(adminUrl), { what: `the Postgres instance of ${tenant.slug} to accept connections`, timeoutMs, intervalMs: 10 });
  }

  async remove(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    progress('stopping the dedicated instance and deleting its data');
    await this.options.agent.deleteWorkload(dedicatedWorkloadName(tenant.slug));
    await rm(join(this.options.instancesDir, tenant.slug), { recursive: true, force: true });
  }

  /**
   * Logs in as the tenant. An instance that does not answer is unhealthy while its data directory is there
   * (stopped or crashing: applying again starts it), missing once that is gone too (removed).
   */
  async observe(tenant: TenantRef, grant: DatabaseGrant): Promise<Observed> {
    const observed = await observeDatabaseLogin(grant.url, 'dedicated');
    const dataDir = join(this.options.instancesDir, tenant.slug);
    if (observed.state === 'unhealthy' && !existsSync(dataDir))
      return { state: 'missing', message: `the dedicated Postgres instance of ${tenant.slug} is gone: no data directory ${dataDir}` };
    return observed;
  }
}

async function acceptsConnections(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

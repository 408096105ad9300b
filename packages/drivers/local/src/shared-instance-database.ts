/** @module Trial tenants: a database and roles on one shared Postgres server (the brief's shared RDS host). */
import { randomSecret, tenantDatabaseLimits, type TenantDatabaseLimits } from '@tenantry/core';
import { observeDatabaseLogin, type DatabaseDriver, type DatabaseGrant, type Observed, type ProgressReporter, type TenantRef } from '@tenantry/control-plane';
import type pg from 'pg';
import { adminPool, dropTenantDatabase, ensureTenantDatabase, tenantDatabaseNames } from './postgres/tenant-database.js';

export interface SharedInstanceDatabaseOptions {
  /** Superuser URL of the shared server. */
  adminUrl: string;
  /** Key for the opaque database and role names. */
  namingKey: string;
  /** Replaces some of the trial tier's limits (tests use short timeouts); the watchdog must be given the same. */
  limits?: Partial<TenantDatabaseLimits> | undefined;
}

export class SharedInstanceDatabase implements DatabaseDriver {
  /** Kept open: a new superuser connection per tenant would cost a SCRAM handshake each time. */
  private readonly admin: pg.Pool;

  constructor(private readonly options: SharedInstanceDatabaseOptions) {
    this.admin = adminPool(options.adminUrl);
  }

  async create(tenant: TenantRef, progress: ProgressReporter): Promise<DatabaseGrant> {
    const names = tenantDatabaseNames(tenant.slug, this.options.namingKey);
    const password = randomSecret();
    progress('creating the database and login on the shared trial server');
    await ensureTenantDatabase(this.admin, this.options.adminUrl, names, password, tenant, tenantDatabaseLimits('trial', this.options.limits));
    const url = new URL(this.options.adminUrl);
    url.username = names.login;
    url.password = password;
    url.pathname = `/${names.database}`;
    return { url: url.toString(), location: { kind: 'shared-instance', host: url.hostname, port: Number(url.port || 5432), database: names.database } };
  }

  async close(): Promise<void> {
    await this.admin.end();
  }

  async remove(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    progress('dropping the database and roles on the shared trial server');
    await dropTenantDatabase(this.admin, tenantDatabaseNames(tenant.slug, this.options.namingKey));
  }

  /** Logs in as the tenant; the shared server not answering is no answer about the tenant (rejects). */
  observe(_tenant: TenantRef, grant: DatabaseGrant): Promise<Observed> {
    return observeDatabaseLogin(grant.url, 'shared');
  }
}

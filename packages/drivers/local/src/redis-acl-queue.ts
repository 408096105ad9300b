/**
 * @module Job queues: a Redis user per tenant that reaches only its own key prefix, with only the
 * commands its programs use (the local stand-in for an ElastiCache RBAC user). Tenants never hold the platform's Redis password.
 */
import { randomSecret, saveRedisUsers, tenantRedisPrefix, tenantRedisReconfineArgs, tenantRedisSetUserArgs, tenantRedisUser } from '@tenantry/core';
import { loadTenantScripts, observeRedisLogin, type JobQueueDriver, type JobQueueGrant, type Observed, type TenantRef } from '@tenantry/control-plane';
import { Redis } from 'ioredis';

export class RedisAclQueue implements JobQueueDriver {
  private readonly admin: Redis;

  /** `adminUrl`: a Redis login allowed to manage users (ACL). */
  constructor(private readonly adminUrl: string) {
    this.admin = new Redis(adminUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  }

  async create(tenant: TenantRef): Promise<JobQueueGrant> {
    const user = tenantRedisUser(tenant.slug);
    const prefix = tenantRedisPrefix(tenant.slug);
    const password = randomSecret();
    // Only its own keys, and only the commands its programs use (see @tenantry/core's allowlist).
    await this.admin.call('ACL', ...tenantRedisSetUserArgs(tenant.slug, password));
    await saveRedisUsers(this.admin);
    // It may run only scripts the platform loaded: make sure they are there before its programs start.
    await loadTenantScripts(this.admin);
    const url = new URL(this.adminUrl);
    url.username = user;
    url.password = password;
    return { url: url.toString(), prefix };
  }

  async remove(tenant: TenantRef): Promise<void> {
    const prefix = tenantRedisPrefix(tenant.slug);
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await this.admin.call('ACL', 'DELUSER', tenantRedisUser(tenant.slug));
    await saveRedisUsers(this.admin);
  }

  /** Logs in as the tenant and sends PING: missing when its user is deleted or its password changed. */
  observe(_tenant: TenantRef, grant: JobQueueGrant): Promise<Observed> {
    return observeRedisLogin(grant.url);
  }

  /**
   * Gives every tenant login already on the server (kept in its ACL file from an earlier version)
   * today's rules, passwords kept; returns how many. Run at start-up, before any tenant program.
   */
  async reconfineExisting(): Promise<number> {
    const users = (await this.admin.call('ACL', 'USERS')) as string[];
    const slugs = users.filter((u) => u.startsWith(tenantRedisUser(''))).map((u) => u.slice(tenantRedisUser('').length));
    for (const slug of slugs) await this.admin.call('ACL', ...tenantRedisReconfineArgs(slug));
    if (slugs.length > 0) await saveRedisUsers(this.admin);
    return slugs.length;
  }

  /** Loads the scripts tenants may run (BullMQ's) into the server's cache; returns how many were missing. Run at start-up. */
  loadScripts(): Promise<number> {
    return loadTenantScripts(this.admin);
  }

  async close(): Promise<void> {
    await this.admin.quit().catch(() => undefined);
  }
}

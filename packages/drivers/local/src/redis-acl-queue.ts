/**
 * @module Job queues: a Redis user per tenant that reaches only its own key prefix (the local
 * stand-in for an ElastiCache RBAC user). Tenants never hold the platform's Redis password.
 */
import { randomSecret } from '@tenantry/core';
import type { JobQueueDriver, JobQueueGrant, TenantRef } from '@tenantry/control-plane';
import { Redis } from 'ioredis';

export function tenantRedisUser(slug: string): string {
  return `tenant-${slug}`;
}

export function tenantKeyPrefix(slug: string): string {
  return `t:${slug}`;
}

export class RedisAclQueue implements JobQueueDriver {
  private readonly admin: Redis;

  /** `adminUrl`: a Redis login allowed to manage users (ACL). */
  constructor(private readonly adminUrl: string) {
    this.admin = new Redis(adminUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  }

  async create(tenant: TenantRef): Promise<JobQueueGrant> {
    const user = tenantRedisUser(tenant.slug);
    const prefix = tenantKeyPrefix(tenant.slug);
    const password = randomSecret();
    // Only its own keys and channels; no administration, no commands that reach every key (KEYS,
    // FLUSHALL, …); INFO stays, as queue clients read the server version from it.
    await this.admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, `~${prefix}:*`, `&${prefix}:*`, '+@all', '-@admin', '-@dangerous', '+info');
    await this.save();
    const url = new URL(this.adminUrl);
    url.username = user;
    url.password = password;
    return { url: url.toString(), prefix };
  }

  async remove(tenant: TenantRef): Promise<void> {
    const prefix = tenantKeyPrefix(tenant.slug);
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await this.admin.call('ACL', 'DELUSER', tenantRedisUser(tenant.slug));
    await this.save();
  }

  async close(): Promise<void> {
    await this.admin.quit().catch(() => undefined);
  }

  /** Persists users where the server has an ACL file; servers without one keep them in memory. */
  private async save(): Promise<void> {
    try {
      await this.admin.call('ACL', 'SAVE');
    } catch (err) {
      if (!/ACL file|aclfile/i.test((err as Error).message)) throw err;
    }
  }
}

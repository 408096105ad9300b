/**
 * @module Job queues: a redis-server per tenant. A Redis server runs one command, and one Lua script,
 * at a time for everyone: on a shared server a tenant holding a login can stall every other tenant
 * (a long script, even one of BullMQ's own fed crafted input, cannot be stopped once it has written).
 * So each tenant gets its own server, supervised like its pod, running as its OS user (as root),
 * its data in a folder only that user reads, its memory capped. It costs a few MiB per tenant.
 */
import { readFile, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, randomSecret, tenantOwnRedisRules, tenantRedisPrefix } from '@tenantry/core';
import { observeRedisLogin, type JobQueueDriver, type JobQueueGrant, type Observed, type TenantRef } from '@tenantry/control-plane';
import type { AgentClient } from './agent/agent-client.js';
import type { TenantUsers } from './tenant-users.js';

export interface DedicatedRedisQueueOptions {
  agent: AgentClient;
  /** The redis-server binary. */
  redisServer: string;
  /** Folder holding each tenant's server folder (configuration and append-only file). */
  root: string;
  /** OS users per tenant; without it (or not as root) every server runs as the platform's user. */
  users?: TenantUsers | undefined;
  /** Memory a tenant's server may hold (`maxmemory`, no eviction: a full queue refuses writes). @defaultValue 64 */
  maxMemoryMb?: number;
  /** @defaultValue 15000 */
  startTimeoutMs?: number;
}

/** The supervised workload of a tenant's redis-server. */
export function tenantRedisWorkloadName(slug: string): string {
  return `redis-${slug}`;
}

/** The login a tenant's programs use on its own server (`default` is off). */
const LOGIN = 'tenant';

export class DedicatedRedisQueue implements JobQueueDriver {
  constructor(private readonly options: DedicatedRedisQueueOptions) {}

  async create(tenant: TenantRef): Promise<JobQueueGrant> {
    const { agent } = this.options;
    const workload = tenantRedisWorkloadName(tenant.slug);
    const dir = join(this.options.root, tenant.slug);
    const user = await this.options.users?.ensure(tenant.slug);
    await mkdir(this.options.root, { recursive: true, mode: 0o711 });
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (user) await chown(dir, user.uid, user.gid);
    const { redis: port } = await agent.leasePorts(workload, ['redis']);
    const prefix = tenantRedisPrefix(tenant.slug);
    const config = join(dir, 'redis.conf');
    // Found again, the server keeps its password: its programs and its data stay as they are.
    const password = (await existingPassword(config)) ?? randomSecret();
    const maxMemoryMb = this.options.maxMemoryMb ?? 64;
    // The password lives in a file only the tenant's user reads, never on a command line that `ps` shows.
    await writeFile(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode yes',
        `dir ${dir}`,
        'appendonly yes',
        'save ""',
        'daemonize no',
        'logfile ""',
        `maxmemory ${maxMemoryMb}mb`,
        // BullMQ needs its keys kept: a full server refuses writes rather than dropping jobs.
        'maxmemory-policy noeviction',
        // Nobody logs in as default (off), but replaying the append-only file at start runs as it, and Redis
        // 7.0 checks each MULTI/EXEC of the file against its rules (redis/redis#14541): without the
        // tenant's own rules every BullMQ transaction, so every job, would be dropped at a restart.
        `user default off ${tenantOwnRedisRules(prefix).join(' ')}`,
        `user ${LOGIN} on >${password} ${tenantOwnRedisRules(prefix).join(' ')}`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    if (user) await chown(config, user.uid, user.gid);
    await agent.applyWorkload({
      name: workload,
      labels: { tenant: tenant.slug, layer: 'database' },
      processes: [
        {
          name: 'redis',
          command: this.options.redisServer,
          args: [config],
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
          ...(user ? { uid: user.uid, gid: user.gid } : {}),
          health: { kind: 'tcp', port: port! },
          memoryLimitMb: maxMemoryMb + 32,
        },
      ],
    });
    await agent.waitWorkloadReady(workload, this.options.startTimeoutMs ?? 15_000);
    return { url: `redis://${LOGIN}:${encodeURIComponent(password)}@127.0.0.1:${port}`, prefix };
  }

  /** Stops the tenant's server; its append-only file keeps every job, delayed ones included. */
  async suspend(tenant: TenantRef): Promise<void> {
    await this.options.agent.suspendWorkload(tenantRedisWorkloadName(tenant.slug));
  }

  /**
   * Starts the server again (it reloads its jobs) and resolves once it answers: as `create` does, so
   * a server made by an earlier version gets the current configuration (same port, same password).
   */
  async resume(tenant: TenantRef): Promise<void> {
    await this.create(tenant);
  }

  async remove(tenant: TenantRef): Promise<void> {
    await this.options.agent.deleteWorkload(tenantRedisWorkloadName(tenant.slug));
    await rm(join(this.options.root, tenant.slug), { recursive: true, force: true });
  }

  /** The tenant's login answers PING on its server; a server that does not answer (its own, so this says something) is unhealthy. */
  async observe(_tenant: TenantRef, grant: JobQueueGrant): Promise<Observed> {
    try {
      return await observeRedisLogin(grant.url);
    } catch (err) {
      return { state: 'unhealthy', message: `the tenant's own Redis server does not answer: ${errorMessage(err)}` };
    }
  }
}

/** The password of a server made before, from its configuration. */
async function existingPassword(config: string): Promise<string | undefined> {
  const text = await readFile(config, 'utf8').catch(() => undefined);
  return text ? new RegExp(`^user ${LOGIN} on >(\\S+) `, 'm').exec(text)?.[1] : undefined;
}

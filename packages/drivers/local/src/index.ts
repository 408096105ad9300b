/**
 * @module @tenantry/driver-local: the local driver. Dedicated and shared Postgres, a redis-server per
 * tenant, folder storage, supervised processes and gateway routes, reached through the node agent's loopback API.
 */
import type { AnalyticsBusDriver, PlatformDrivers, StorageDriver, TenantSchema } from '@tenantry/control-plane';
import type { PodManifest } from '@tenantry/pod-manifest';
import { AgentClient } from './agent/agent-client.js';
import { CatcherMail, type CatcherMailOptions } from './catcher-mail.js';
import { DedicatedInstanceDatabase } from './dedicated-instance-database.js';
import { FolderStorage } from './folder-storage.js';
import { GatewayRouting } from './gateway-routing.js';
import type { PostgresBinaries } from './postgres/binaries.js';
import type { ServiceUser } from './os-users.js';
import { ProcessCompute } from './process-compute.js';
import { DedicatedRedisQueue } from './dedicated-redis-queue.js';
import { SharedInstanceDatabase } from './shared-instance-database.js';
import { TierDatabase } from './tier-database.js';
import { TenantUsers, type UidRange } from './tenant-users.js';

export * from './agent/protocol.js';
export * from './agent/agent-client.js';
export * from './postgres/binaries.js';
export * from './postgres/cluster.js';
export * from './postgres/tenant-database.js';
export * from './postgres/query-watchdog.js';
export * from './dedicated-instance-database.js';
export * from './shared-instance-database.js';
export * from './tier-database.js';
export * from './folder-storage.js';
export * from './process-compute.js';
export * from './gateway-routing.js';
export * from './redis-acl-queue.js';
export * from './dedicated-redis-queue.js';
export * from './catcher-mail.js';
export * from './tenant-users.js';
export * from './os-users.js';

export interface LocalDriverOptions {
  agentUrl: string;
  agentToken: string;
  manifest: PodManifest;
  domain: string;
  /** The gateway's port, as users reach it. */
  publicPort: number;
  /** Each tenant's own redis-server: the binary, the folder of their data, the memory each may hold (MiB). */
  tenantRedis: { server: string; root: string; maxMemoryMb?: number };
  mail: Omit<CatcherMailOptions, 'domain'>;
  /** The analytics bus's provisioning step (Redis Streams or Kafka topics, from @tenantry/analytics). */
  analytics: AnalyticsBusDriver;
  /** The storage step when it is not a folder per tenant (e.g. S3 prefixes, from @tenantry/driver-aws). */
  storage?: StorageDriver | undefined;
  schema: TenantSchema;
  storageRoot: string;
  /** NODE_COMPILE_CACHE for pod programs (Node 22+). */
  compileCacheDir?: string | undefined;
  /** The uids (and gids) tenants' OS users get when the platform runs as root. */
  tenantUids?: UidRange | undefined;
  trialAdminUrl: string;
  namingKey: string;
  postgres: {
    binaries: PostgresBinaries;
    user: ServiceUser | undefined;
    templateDir: string;
    instancesDir: string;
    superuserPassword: string;
  };
}

export function createLocalDrivers(options: LocalDriverOptions): PlatformDrivers {
  const agent = new AgentClient(options.agentUrl, options.agentToken);
  const users = new TenantUsers(options.tenantUids);
  return {
    database: new TierDatabase({
      trial: new SharedInstanceDatabase({ adminUrl: options.trialAdminUrl, namingKey: options.namingKey }),
      production: new DedicatedInstanceDatabase({ agent, namingKey: options.namingKey, ...options.postgres }),
    }),
    storage: options.storage ?? new FolderStorage(options.storageRoot, users),
    compute: new ProcessCompute({ agent, manifest: options.manifest, compileCacheDir: options.compileCacheDir, users }),
    routing: new GatewayRouting(agent, options.manifest, options.domain, options.publicPort),
    queue: new DedicatedRedisQueue({
      agent,
      redisServer: options.tenantRedis.server,
      root: options.tenantRedis.root,
      users,
      maxMemoryMb: options.tenantRedis.maxMemoryMb,
    }),
    mail: new CatcherMail({ ...options.mail, domain: options.domain }),
    analytics: options.analytics,
    schema: options.schema,
  };
}

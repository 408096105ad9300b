/**
 * @module The database, storage and queue steps on AWS, all from the tenant's Terraform state. The database
 * step runs `terraform apply` (the RDS instance or trial database, the IAM role limited to the tenant's S3
 * prefix, the ElastiCache user limited to its key prefix, in one state); the storage and queue steps read its
 * outputs. Removal runs in reverse step order: the queue's keys and the prefix's objects are deleted first,
 * then the database step's `terraform destroy` removes the rest.
 */
import { S3Client } from '@aws-sdk/client-s3';
import {
  observeDatabaseLogin,
  observeRedisLogin,
  type DatabaseDriver,
  type DatabaseGrant,
  type JobQueueDriver,
  type JobQueueGrant,
  type Observed,
  type ProgressReporter,
  type StorageDriver,
  type StorageGrant,
  type TenantRef,
} from '@tenantry/control-plane';
import { tenantRedisPrefix } from '@tenantry/core';
import { deletePrefix } from '@tenantry/driver-aws';
import { Redis } from 'ioredis';
import type { RdsInstances } from './rds-instances.js';
import type { TerraformStack } from './terraform-stack.js';

const quiet: ProgressReporter = () => undefined;

export class TerraformDatabase implements DatabaseDriver {
  constructor(
    private readonly stack: TerraformStack,
    private readonly rds: RdsInstances,
  ) {}

  async create(tenant: TenantRef, progress: ProgressReporter): Promise<DatabaseGrant> {
    const outputs = await this.stack.apply(tenant, progress);
    const url = new URL(outputs.databaseUrl);
    return {
      url: outputs.databaseUrl,
      location: {
        kind: tenant.tier === 'production' ? 'dedicated RDS instance' : 'shared trial host',
        host: url.hostname,
        port: Number(url.port || 5432),
        database: url.pathname.slice(1),
        secret: outputs.databaseSecretArn,
      },
    };
  }

  remove(tenant: TenantRef, progress: ProgressReporter): Promise<void> {
    return this.stack.destroy(tenant, progress);
  }

  /** Logs in as the tenant; a production tenant's RDS instance is its own, the trial host everyone's. */
  observe(tenant: TenantRef, grant: DatabaseGrant): Promise<Observed> {
    return observeDatabaseLogin(grant.url, tenant.tier === 'production' ? 'dedicated' : 'shared');
  }

  /** A production tenant's RDS instance is stopped (its storage kept); a trial tenant's database is on the shared host, which runs on. */
  async suspend(tenant: TenantRef, progress: ProgressReporter = quiet): Promise<void> {
    const id = await this.instanceOf(tenant, progress);
    if (id) await this.rds.stop(id, progress);
  }

  /** Starts the production tenant's RDS instance and resolves once it is available. */
  async resume(tenant: TenantRef, progress: ProgressReporter = quiet): Promise<void> {
    const id = await this.instanceOf(tenant, progress);
    if (id) await this.rds.start(id, progress);
  }

  private async instanceOf(tenant: TenantRef, progress: ProgressReporter): Promise<string | undefined> {
    if (tenant.tier !== 'production') {
      progress('trial: its database is on the shared host; nothing of its own to stop or start');
      return undefined;
    }
    const { databaseInstanceId } = await this.stack.outputs(tenant, progress);
    if (!databaseInstanceId)
      throw new Error(`terraform output database_instance_id is missing for production tenant ${tenant.slug}: apply its database step again`);
    return databaseInstanceId;
  }
}

export interface TerraformStorageOptions {
  region: string;
  /** The shared tenant-data bucket (the platform's); removal needs it even when the tenant's apply never finished. */
  bucket: string;
  /** Only for an S3-compatible server other than AWS (tests); on AWS the endpoint comes from the region. */
  endpoint?: string | undefined;
  /** The platform's credentials for deleting a tenant's objects; unset, the SDK's chain (the master's own IAM role). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
}

export class TerraformStorage implements StorageDriver {
  private readonly s3: S3Client;

  constructor(
    private readonly stack: TerraformStack,
    private readonly options: TerraformStorageOptions,
  ) {
    this.s3 = new S3Client({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
  }

  /** The prefix Terraform's IAM role allows; the pods reach it with that role (IRSA), so no keys are handed out. */
  async create(tenant: TenantRef): Promise<StorageGrant> {
    const { storageUrl } = await this.stack.outputs(tenant, quiet);
    return { url: storageUrl, env: { AWS_REGION: this.options.region } };
  }

  async remove(tenant: TenantRef): Promise<void> {
    await deletePrefix(this.s3, this.options.bucket, `${tenant.slug}/`);
  }

  /**
   * Present: S3 has no folders to find, and the grant holds no credentials to try (the pods' IAM role, from the
   * database step's Terraform state, reaches the prefix; the master cannot act as it).
   */
  async observe(): Promise<Observed> {
    return { state: 'present' };
  }
}

export class TerraformQueue implements JobQueueDriver {
  private readonly admin: Redis;

  /** `adminUrl`: the platform's Redis login, used only to delete a removed tenant's keys. */
  constructor(
    private readonly stack: TerraformStack,
    adminUrl: string,
  ) {
    this.admin = new Redis(adminUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  }

  async create(tenant: TenantRef): Promise<JobQueueGrant> {
    const { redisUrl, redisPrefix } = await this.stack.outputs(tenant, quiet);
    return { url: redisUrl, prefix: redisPrefix };
  }

  /** Deletes the tenant's keys; its Redis user goes with the Terraform state. */
  async remove(tenant: TenantRef): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.admin.scan(cursor, 'MATCH', `${tenantRedisPrefix(tenant.slug)}:*`, 'COUNT', 500);
      if (keys.length > 0) await this.admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  /** Logs in as the tenant's ElastiCache user and sends PING: missing when it is deleted or its password changed. */
  observe(_tenant: TenantRef, grant: JobQueueGrant): Promise<Observed> {
    return observeRedisLogin(grant.url);
  }

  async close(): Promise<void> {
    await this.admin.quit().catch(() => undefined);
  }
}

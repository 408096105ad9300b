/** @module The master scheduler's provisioning worker, wired to the local driver. */
import { join } from 'node:path';
import type { Logger } from '@tenantry/core';
import { KafkaTopicsBusDriver, RedisStreamsBusDriver } from '@tenantry/analytics';
import { S3PrefixStorage } from '@tenantry/driver-aws';
import { ProvisioningWorker, ProvisioningWorkflow, TenantCatalog } from '@tenantry/control-plane';
import { createLocalDrivers, postgresBinaries, postgresServiceUser } from '@tenantry/driver-local';
import { defaultPodManifest, loadPodManifest } from '@tenantry/pod-manifest';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import type { SchedulerConfig } from './config.js';

export async function startProvisioning(config: SchedulerConfig, log: Logger): Promise<() => Promise<void>> {
  const concurrency = config.TENANTRY_PROVISIONING_CONCURRENCY;
  const catalog = new TenantCatalog(config.DATABASE_URL, concurrency * 2 + 4);
  await catalog.migrate();
  const pgRoot = config.TENANTRY_POSTGRES_ROOT!;
  const drivers = createLocalDrivers({
    agentUrl: config.TENANTRY_AGENT_URL!,
    agentToken: config.TENANTRY_AGENT_TOKEN!,
    manifest: config.TENANTRY_POD_MANIFEST ? loadPodManifest(config.TENANTRY_POD_MANIFEST) : defaultPodManifest(),
    domain: config.TENANTRY_DOMAIN,
    publicPort: config.TENANTRY_PUBLIC_PORT,
    redisUrl: config.REDIS_URL,
    mail: { smtpPort: config.TENANTRY_MAIL_SMTP_PORT!, httpPort: config.TENANTRY_MAIL_HTTP_PORT!, key: config.TENANTRY_MAIL_KEY! },
    analytics: config.KAFKA_BROKERS ? new KafkaTopicsBusDriver(config.KAFKA_BROKERS, config.KAFKA_REPLICAS) : new RedisStreamsBusDriver(),
    schema: { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase },
    storageRoot: config.TENANTRY_STORAGE_ROOT!,
    storage: config.TENANTRY_S3_ENDPOINT
      ? new S3PrefixStorage({
          endpoint: config.TENANTRY_S3_ENDPOINT, bucket: config.TENANTRY_S3_BUCKET, region: config.TENANTRY_S3_REGION,
          credentials: { accessKeyId: config.TENANTRY_S3_ACCESS_KEY_ID!, secretAccessKey: config.TENANTRY_S3_SECRET_ACCESS_KEY! },
        })
      : undefined,
    compileCacheDir: config.TENANTRY_COMPILE_CACHE_DIR,
    trialAdminUrl: config.TENANTRY_TRIAL_DATABASE_URL!,
    namingKey: config.TENANTRY_NAMING_KEY!,
    postgres: {
      binaries: postgresBinaries(config.TENANTRY_POSTGRES_BIN_DIR),
      user: postgresServiceUser(),
      templateDir: join(pgRoot, 'template'),
      instancesDir: join(pgRoot, 'instances'),
      superuserPassword: config.TENANTRY_POSTGRES_SUPERUSER_PASSWORD!,
    },
  });
  const workflow = new ProvisioningWorkflow(catalog, drivers, log);
  const worker = new ProvisioningWorker(catalog, workflow, log, { redisUrl: config.REDIS_URL, concurrency });
  await worker.start();
  log.info({ concurrency }, 'provisioning worker started');
  return async () => {
    await worker.close();
    await catalog.close();
  };
}

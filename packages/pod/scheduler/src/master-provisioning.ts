/** @module The master scheduler's provisioning worker, wired to the driver TENANTRY_DRIVER names (local or kubernetes). */
import { join } from 'node:path';
import type { Logger } from '@tenantry/core';
import { KafkaTopicsBusDriver, RedisStreamsBusDriver, kafkaAuthFrom } from '@tenantry/analytics';
import { S3PrefixStorage } from '@tenantry/driver-aws';
import {
  OutputSeal,
  ProvisioningWorker,
  ProvisioningWorkflow,
  TenantCatalog,
  TenantScriptKeeper,
  type AnalyticsBusDriver,
  type PlatformDrivers,
  type TenantSchema,
} from '@tenantry/control-plane';
import { createKubernetesDrivers } from '@tenantry/driver-kubernetes';
import { createLocalDrivers, parseUidRange, postgresBinaries, postgresServiceUser } from '@tenantry/driver-local';
import { defaultPodManifest, loadPodManifest, type PodManifest } from '@tenantry/pod-manifest';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import type { SchedulerConfig } from './config.js';

export async function startProvisioning(config: SchedulerConfig, log: Logger): Promise<() => Promise<void>> {
  const concurrency = config.TENANTRY_PROVISIONING_CONCURRENCY;
  const catalog = new TenantCatalog(config.DATABASE_URL, concurrency * 2 + 4, new OutputSeal(config.TENANTRY_SECRET_KEY!));
  await catalog.migrate();
  const analytics = config.KAFKA_BROKERS
    ? new KafkaTopicsBusDriver(config.KAFKA_BROKERS, config.KAFKA_REPLICAS, kafkaAuthFrom(config))
    : // Locally each tenant gets a login on the platform's Redis that may only append to its stream.
      new RedisStreamsBusDriver(config.TENANTRY_DRIVER === 'local' ? config.REDIS_URL : undefined);
  const schema = { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase };
  const manifest = config.TENANTRY_POD_MANIFEST ? loadPodManifest(config.TENANTRY_POD_MANIFEST) : defaultPodManifest();
  const kubernetes = config.TENANTRY_DRIVER === 'kubernetes' ? kubernetesDrivers(config, manifest, analytics, schema) : undefined;
  const drivers = kubernetes ?? localDrivers(config, manifest, analytics, schema);
  // Cloud steps fail for longer than local ones (throttling, a busy state lock): wait longer between attempts.
  const workflow = new ProvisioningWorkflow(catalog, drivers, log, kubernetes ? { retryDelayMs: 15_000 } : {});
  const worker = new ProvisioningWorker(catalog, workflow, log, { redisUrl: config.REDIS_URL, concurrency });
  await worker.start(config.TENANTRY_RESYNC_INTERVAL_MS);
  log.info({ concurrency, driver: config.TENANTRY_DRIVER, resyncMs: config.TENANTRY_RESYNC_INTERVAL_MS }, 'provisioning worker started');
  // Tenants may run only the queue scripts the platform loaded: keep them in Redis through its restarts.
  const scripts = new TenantScriptKeeper({ redisUrl: config.REDIS_URL, log });
  await scripts.start();
  return async () => {
    await scripts.close();
    await worker.close();
    await kubernetes?.close();
    await catalog.close();
  };
}

function localDrivers(config: SchedulerConfig, manifest: PodManifest, analytics: AnalyticsBusDriver, schema: TenantSchema): PlatformDrivers {
  const pgRoot = config.TENANTRY_POSTGRES_ROOT!;
  return createLocalDrivers({
    agentUrl: config.TENANTRY_AGENT_URL!,
    agentToken: config.TENANTRY_AGENT_TOKEN!,
    manifest,
    domain: config.TENANTRY_DOMAIN,
    publicPort: config.TENANTRY_PUBLIC_PORT,
    tenantRedis: { server: config.TENANTRY_REDIS_SERVER!, root: config.TENANTRY_TENANT_REDIS_ROOT! },
    mail: { smtpPort: config.TENANTRY_MAIL_SMTP_PORT!, httpPort: config.TENANTRY_MAIL_HTTP_PORT!, key: config.TENANTRY_MAIL_KEY! },
    analytics,
    schema,
    storageRoot: config.TENANTRY_STORAGE_ROOT!,
    storage: config.TENANTRY_S3_ENDPOINT
      ? new S3PrefixStorage({
          endpoint: config.TENANTRY_S3_ENDPOINT,
          bucket: config.TENANTRY_S3_BUCKET,
          region: config.TENANTRY_S3_REGION,
          credentials: { accessKeyId: config.TENANTRY_S3_ACCESS_KEY_ID!, secretAccessKey: config.TENANTRY_S3_SECRET_ACCESS_KEY! },
        })
      : undefined,
    compileCacheDir: config.TENANTRY_COMPILE_CACHE_DIR,
    tenantUids: config.TENANTRY_TENANT_UIDS ? parseUidRange(config.TENANTRY_TENANT_UIDS) : undefined,
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
}

/** Terraform and Helm as child processes; on AWS the master's IAM role (IRSA) gives them and the S3 client credentials. */
function kubernetesDrivers(config: SchedulerConfig, manifest: PodManifest, analytics: AnalyticsBusDriver, schema: TenantSchema) {
  return createKubernetesDrivers({
    domain: config.TENANTRY_DOMAIN,
    terraform: {
      binary: config.TENANTRY_TERRAFORM_BIN,
      configDir: config.TENANTRY_TERRAFORM_DIR!,
      workDir: config.TENANTRY_WORK_DIR,
      backendConfig: config.TENANTRY_TERRAFORM_BACKEND_CONFIG!,
      varFile: config.TENANTRY_TERRAFORM_VAR_FILE!,
      timeoutMs: config.TENANTRY_TERRAFORM_TIMEOUT_SECONDS * 1000,
    },
    helm: {
      helm: config.TENANTRY_HELM_BIN,
      kubectl: config.TENANTRY_KUBECTL_BIN,
      chart: config.TENANTRY_HELM_CHART!,
      valuesFiles: config.TENANTRY_HELM_VALUES?.split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      releaseNamespace: config.TENANTRY_RELEASE_NAMESPACE,
      programs: manifest.programs.map((p) => p.name),
      timeoutMs: config.TENANTRY_HELM_TIMEOUT_SECONDS * 1000,
    },
    storage: {
      region: config.TENANTRY_S3_REGION,
      bucket: config.TENANTRY_S3_BUCKET,
      endpoint: config.TENANTRY_S3_ENDPOINT,
      credentials: config.TENANTRY_S3_ACCESS_KEY_ID
        ? { accessKeyId: config.TENANTRY_S3_ACCESS_KEY_ID, secretAccessKey: config.TENANTRY_S3_SECRET_ACCESS_KEY! }
        : undefined,
    },
    redisAdminUrl: config.REDIS_URL,
    smtpRelayUrl: config.TENANTRY_SMTP_RELAY_URL!,
    analytics,
    schema,
  });
}

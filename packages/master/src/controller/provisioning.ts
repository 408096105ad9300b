/**
 * @module The master's provisioning controller: the reconciler's queue worker, wired to the driver
 * TENANTRY_DRIVER names (local or kubernetes), and the keeper of the queue scripts tenants may run.
 */
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
import type { KubernetesMasterConfig, LocalMasterConfig, MasterConfig } from '../config.js';
import type { ControllerPod } from './pod.js';

/** Jobs the provisioning worker runs at once, per tenant allowed to start at once, up to MAX_JOBS. */
const JOBS_PER_START = 4;
const MAX_JOBS = 32;

export interface Provisioning {
  catalog: TenantCatalog;
  worker: ProvisioningWorker;
  stop(): Promise<void>;
}

export async function startProvisioning(config: ControllerPod, master: MasterConfig, log: Logger): Promise<Provisioning> {
  // Tenants starting at once (their steps, up to the pod serving); the worker takes more jobs than that, so
  // that a pod waiting for the programs it starts later, a freeze or a delete holds no tenant's turn.
  const startsAtOnce = master.TENANTRY_PROVISIONING_CONCURRENCY;
  const concurrency = Math.max(startsAtOnce, Math.min(startsAtOnce * JOBS_PER_START, MAX_JOBS));
  // Each job holds a connection for its tenant's lock; those starting query besides.
  const catalog = new TenantCatalog(config.DATABASE_URL, concurrency + startsAtOnce + 4, new OutputSeal(master.TENANTRY_SECRET_KEY));
  await catalog.migrate();
  const analytics = config.KAFKA_BROKERS
    ? new KafkaTopicsBusDriver(config.KAFKA_BROKERS, config.KAFKA_REPLICAS, kafkaAuthFrom(config))
    : // Locally each tenant gets a login on the platform's Redis that may only append to its stream.
      new RedisStreamsBusDriver(master.TENANTRY_DRIVER === 'local' ? config.REDIS_URL : undefined);
  const schema = { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase };
  const manifest = master.TENANTRY_POD_MANIFEST ? loadPodManifest(master.TENANTRY_POD_MANIFEST) : defaultPodManifest();
  let kubernetes: ReturnType<typeof kubernetesDrivers> | undefined;
  let drivers: PlatformDrivers;
  if (master.TENANTRY_DRIVER === 'kubernetes') drivers = kubernetes = kubernetesDrivers(config, master, manifest, analytics, schema);
  else drivers = localDrivers(config, master, manifest, analytics, schema);
  // Cloud steps fail for longer than local ones (throttling, a busy state lock): wait longer between attempts.
  const workflow = new ProvisioningWorkflow(catalog, drivers, log, { startsAtOnce, ...(kubernetes ? { retryDelayMs: 15_000 } : {}) });
  const worker = new ProvisioningWorker(catalog, workflow, log, { redisUrl: config.REDIS_URL, concurrency });
  await worker.start(master.TENANTRY_RESYNC_INTERVAL_MS);
  log.info({ startsAtOnce, concurrency, driver: master.TENANTRY_DRIVER, resyncMs: master.TENANTRY_RESYNC_INTERVAL_MS }, 'provisioning worker started');
  // Tenants may run only the queue scripts the platform loaded: keep them in Redis through its restarts.
  const scripts = new TenantScriptKeeper({ redisUrl: config.REDIS_URL, log });
  await scripts.start();
  const stop = async () => {
    await scripts.close();
    await worker.close();
    await kubernetes?.close();
    if (analytics instanceof RedisStreamsBusDriver) await analytics.close();
    await catalog.close();
  };
  return { catalog, worker, stop };
}

function localDrivers(
  config: ControllerPod,
  master: LocalMasterConfig,
  manifest: PodManifest,
  analytics: AnalyticsBusDriver,
  schema: TenantSchema,
): PlatformDrivers {
  const pgRoot = master.TENANTRY_POSTGRES_ROOT;
  return createLocalDrivers({
    agentUrl: master.TENANTRY_AGENT_URL,
    agentToken: master.TENANTRY_AGENT_TOKEN,
    manifest,
    domain: master.TENANTRY_DOMAIN,
    publicPort: master.TENANTRY_PUBLIC_PORT,
    tenantRedis: { server: master.TENANTRY_REDIS_SERVER, root: master.TENANTRY_TENANT_REDIS_ROOT },
    mail: { smtpPort: master.TENANTRY_MAIL_SMTP_PORT, httpPort: master.TENANTRY_MAIL_HTTP_PORT, key: master.TENANTRY_MAIL_KEY },
    analytics,
    schema,
    storageRoot: master.TENANTRY_STORAGE_ROOT,
    storage: s3Storage(master),
    compileCacheDir: master.TENANTRY_COMPILE_CACHE_DIR,
    tenantUids: master.TENANTRY_TENANT_UIDS ? parseUidRange(master.TENANTRY_TENANT_UIDS) : undefined,
    trialAdminUrl: master.TENANTRY_TRIAL_DATABASE_URL,
    namingKey: master.TENANTRY_NAMING_KEY,
    postgres: {
      binaries: postgresBinaries(master.TENANTRY_POSTGRES_BIN_DIR),
      user: postgresServiceUser(),
      templateDir: join(pgRoot, 'template'),
      instancesDir: join(pgRoot, 'instances'),
      superuserPassword: master.TENANTRY_POSTGRES_SUPERUSER_PASSWORD,
    },
  });
}

/** Terraform and Helm as child processes; on AWS the master's IAM role (IRSA) gives them and the S3 client credentials. */
function kubernetesDrivers(config: ControllerPod, master: KubernetesMasterConfig, manifest: PodManifest, analytics: AnalyticsBusDriver, schema: TenantSchema) {
  return createKubernetesDrivers({
    domain: master.TENANTRY_DOMAIN,
    terraform: {
      binary: master.TENANTRY_TERRAFORM_BIN,
      configDir: master.TENANTRY_TERRAFORM_DIR,
      workDir: master.TENANTRY_WORK_DIR,
      backendConfig: master.TENANTRY_TERRAFORM_BACKEND_CONFIG,
      varFile: master.TENANTRY_TERRAFORM_VAR_FILE,
      timeoutMs: master.TENANTRY_TERRAFORM_TIMEOUT_SECONDS * 1000,
    },
    helm: {
      helm: master.TENANTRY_HELM_BIN,
      kubectl: master.TENANTRY_KUBECTL_BIN,
      chart: master.TENANTRY_HELM_CHART,
      valuesFiles: master.TENANTRY_HELM_VALUES?.split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      releaseNamespace: master.TENANTRY_RELEASE_NAMESPACE,
      programs: manifest.programs.map((p) => p.name),
      timeoutMs: master.TENANTRY_HELM_TIMEOUT_SECONDS * 1000,
    },
    storage: {
      region: master.TENANTRY_S3_REGION,
      bucket: master.TENANTRY_S3_BUCKET,
      endpoint: master.TENANTRY_S3_ENDPOINT,
      credentials: s3Credentials(master),
    },
    redisAdminUrl: config.REDIS_URL,
    smtpRelayUrl: master.TENANTRY_SMTP_RELAY_URL,
    analytics,
    schema,
  });
}

/** Static S3 credentials, when the configuration gives both halves (off AWS; on AWS the IAM role's are used). */
function s3Credentials(master: MasterConfig): { accessKeyId: string; secretAccessKey: string } | undefined {
  const { TENANTRY_S3_ACCESS_KEY_ID: accessKeyId, TENANTRY_S3_SECRET_ACCESS_KEY: secretAccessKey } = master;
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

/** S3 prefixes on an S3-compatible server, when TENANTRY_S3_ENDPOINT is set (with its credentials, which the configuration requires then). */
function s3Storage(master: LocalMasterConfig): S3PrefixStorage | undefined {
  const credentials = s3Credentials(master);
  if (!master.TENANTRY_S3_ENDPOINT || !credentials) return undefined;
  return new S3PrefixStorage({ endpoint: master.TENANTRY_S3_ENDPOINT, bucket: master.TENANTRY_S3_BUCKET, region: master.TENANTRY_S3_REGION, credentials });
}

/** @module Configuration of the job scheduler; on the master also of its controller (the provisioning worker and its driver), one variant per driver. */
import * as z from 'zod/mini';
import { ConfigError, env, readConfig } from '@tenantry/core';
import {
  podAnalyticsStoreEnvironment,
  podBaseEnvironment,
  podDatabaseEnvironment,
  podStorageEnvironment,
  podTopicsEnvironment,
} from '@tenantry/pod-runtime/config';

/** What the master's controller reads whatever its driver. */
const masterShared = {
  /** The platform key that seals secrets in the tenant catalog. */
  TENANTRY_SECRET_KEY: env.secretKey(),
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_PUBLIC_PORT: env.port(8080),
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
  /** How often (ms) every tenant is reconciled even when nothing announced a change: how soon drift is repaired. */
  TENANTRY_RESYNC_INTERVAL_MS: env.integer(200, 3_600_000, 30_000),
  /** S3 storage for tenants (an S3-compatible server with STS); unset, a folder per tenant (locally) or the IAM role's bucket. */
  TENANTRY_S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  TENANTRY_S3_BUCKET: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')), 'tenant-data'),
  TENANTRY_S3_REGION: z._default(z.string(), 'us-east-1'),
  TENANTRY_S3_ACCESS_KEY_ID: z.optional(z.string().check(z.minLength(3))),
  TENANTRY_S3_SECRET_ACCESS_KEY: z.optional(z.string().check(z.minLength(8))),
};

/** The local driver: the node agent, the platform's Postgres servers, the mail catcher, each tenant's redis-server. */
const localMaster = z.object({
  ...masterShared,
  TENANTRY_DRIVER: z.literal('local'),
  TENANTRY_AGENT_URL: env.url(['http']),
  TENANTRY_AGENT_TOKEN: z.string(),
  TENANTRY_STORAGE_ROOT: z.string(),
  TENANTRY_COMPILE_CACHE_DIR: z.optional(z.string()),
  TENANTRY_TENANT_UIDS: z.optional(z.string()),
  TENANTRY_TRIAL_DATABASE_URL: env.url(['postgres', 'postgresql']),
  TENANTRY_NAMING_KEY: z.string(),
  TENANTRY_POSTGRES_ROOT: z.string(),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.string(),
  TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
  /** The redis-server binary and the folder of each tenant's own server. */
  TENANTRY_REDIS_SERVER: z.string(),
  TENANTRY_TENANT_REDIS_ROOT: z.string(),
  TENANTRY_MAIL_SMTP_PORT: env.port(),
  TENANTRY_MAIL_HTTP_PORT: env.port(),
  TENANTRY_MAIL_KEY: z.string(),
});

/** The kubernetes driver: terraform and helm run as child processes. */
const kubernetesMaster = z.object({
  ...masterShared,
  TENANTRY_DRIVER: z.literal('kubernetes'),
  /** The Terraform folder with the `tenant/` root and `modules/` (the repository's deploy/terraform). */
  TENANTRY_TERRAFORM_DIR: z.string(),
  /** The platform's variables for the tenant root: region and platform (the platform root's tenant_platform output). */
  TENANTRY_TERRAFORM_VAR_FILE: z.string(),
  /** A backend settings file for the tenant states (bucket, region, lock table); each tenant's key is added. */
  TENANTRY_TERRAFORM_BACKEND_CONFIG: z.string(),
  TENANTRY_TERRAFORM_BIN: z._default(z.string(), 'terraform'),
  TENANTRY_TERRAFORM_TIMEOUT_SECONDS: env.integer(60, 4 * 3600, 2400),
  /** The tenant-pod chart (deploy/helm/tenant-pod). */
  TENANTRY_HELM_CHART: z.string(),
  /** The operator's values for every tenant (image, ingress, network CIDRs), comma-separated files. */
  TENANTRY_HELM_VALUES: z.optional(z.string()),
  TENANTRY_HELM_BIN: z._default(z.string(), 'helm'),
  TENANTRY_KUBECTL_BIN: z._default(z.string(), 'kubectl'),
  TENANTRY_HELM_TIMEOUT_SECONDS: env.integer(30, 3600, 600),
  /** Where tenant releases are recorded: the master's own namespace. */
  TENANTRY_RELEASE_NAMESPACE: z._default(
    z.string().check(z.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a Kubernetes namespace name')),
    'tenantry-system',
  ),
  /** Terraform data directories and the values files of running installs. */
  TENANTRY_WORK_DIR: z._default(z.string(), '/tmp/tenantry-provisioning'),
  /** The SMTP relay tenants send through, e.g. smtp://user:password@email-smtp.eu-west-1.amazonaws.com:587. */
  TENANTRY_SMTP_RELAY_URL: env.url(['smtp', 'smtps']),
});

const MASTER_VARIANTS = { local: localMaster, kubernetes: kubernetesMaster } as const;

/** The master's controller settings: one variant per driver (TENANTRY_DRIVER), each setting it needs required. */
export type MasterConfig = z.output<typeof localMaster> | z.output<typeof kubernetesMaster>;
export type LocalMasterConfig = z.output<typeof localMaster>;
export type KubernetesMasterConfig = z.output<typeof kubernetesMaster>;

/**
 * Reads the master's controller settings (when IS_MASTER=true): TENANTRY_DRIVER (local by default)
 * picks the variant, and every setting that variant needs and lacks is named.
 */
export function readMasterConfig(environment: NodeJS.ProcessEnv = process.env): Readonly<MasterConfig> {
  const driver = environment.TENANTRY_DRIVER || 'local';
  if (driver !== 'local' && driver !== 'kubernetes') throw new ConfigError('scheduler', ['TENANTRY_DRIVER: must be local or kubernetes']);
  const schema = MASTER_VARIANTS[driver];
  const problems: string[] = [];
  for (const [key, field] of Object.entries(schema.def.shape)) {
    const optional = (field as { _zod: { optin?: string } })._zod.optin !== undefined;
    if (!optional && key !== 'TENANTRY_DRIVER' && !environment[key]) problems.push(`${key}: is required when IS_MASTER=true with TENANTRY_DRIVER=${driver}`);
  }
  if (environment.TENANTRY_S3_ENDPOINT) {
    for (const key of ['TENANTRY_S3_ACCESS_KEY_ID', 'TENANTRY_S3_SECRET_ACCESS_KEY']) {
      if (!environment[key]) problems.push(`${key}: is required with TENANTRY_S3_ENDPOINT`);
    }
  }
  const result = schema.safeParse({ ...environment, TENANTRY_DRIVER: driver });
  if (!result.success) {
    const missing = new Set(problems.map((p) => p.split(':')[0]));
    for (const issue of result.error.issues) {
      const key = issue.path.join('.');
      if (!missing.has(key)) problems.push(`${key || '(environment)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError('scheduler', problems);
  return Object.freeze(result.data);
}

const tenantJobs = {
  /** Outgoing mail server, e.g. smtp://user:password@host:587 (locally the platform's catcher). */
  SMTP_URL: env.url(['smtp', 'smtps']),
  /** The From address of the tenant's mail. */
  MAIL_FROM: z
    .string()
    .check(
      z.regex(/^[^\s@<>]+@[^\s@<>]+$|^.+ <[^\s@<>]+@[^\s@<>]+>$/, 'must be an address such as no-reply@acme.example.com or "Acme <no-reply@acme.example.com>"'),
    ),
  /** When the cleanup job runs (cron, the pod's time zone). @defaultValue every day at 03:00 */
  CLEANUP_CRON: z._default(
    z.string().check(z.regex(/^(\S+\s+){4}\S+$|^(\S+\s+){5}\S+$/, 'must be a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"')),
    '0 3 * * *',
  ),
  /** Soft-deleted projects, tasks and files are purged after this many days. @defaultValue 30 */
  SOFT_DELETE_RETENTION_DAYS: env.integer(0, 3650, 30),
  /** Mails sent at once. @defaultValue 4 */
  MAIL_CONCURRENCY: env.integer(1, 50, 4),
};

export const schedulerConfigSchema = z.object({
  ...podBaseEnvironment,
  ...podDatabaseEnvironment,
  ...podStorageEnvironment,
  ...podTopicsEnvironment,
  ...podAnalyticsStoreEnvironment,
  ...tenantJobs,
});

export type SchedulerConfig = z.output<typeof schedulerConfigSchema>;
export const readSchedulerConfig = (environment: NodeJS.ProcessEnv = process.env) => readConfig('scheduler', schedulerConfigSchema, environment);

/** @module Configuration of the job scheduler; on the master it also configures the provisioning worker and its driver. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import {
  podAnalyticsStoreEnvironment,
  podBaseEnvironment,
  podDatabaseEnvironment,
  podStorageEnvironment,
  podTopicsEnvironment,
} from '@tenantry/pod-runtime/config';

const masterOnly = {
  /** Where tenants run: supervised processes on this machine, or Terraform and Helm. @defaultValue local */
  TENANTRY_DRIVER: z._default(z.enum(['local', 'kubernetes'], { message: 'must be local or kubernetes' }), 'local'),
  /** The platform key that seals secrets in the tenant catalog. */
  TENANTRY_SECRET_KEY: z.optional(env.secretKey()),
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_PUBLIC_PORT: env.port(8080),
  TENANTRY_MAIL_SMTP_PORT: z.optional(env.port()),
  TENANTRY_MAIL_HTTP_PORT: z.optional(env.port()),
  TENANTRY_MAIL_KEY: z.optional(z.string()),
  TENANTRY_AGENT_URL: z.optional(env.url(['http'])),
  TENANTRY_AGENT_TOKEN: z.optional(z.string()),
  TENANTRY_STORAGE_ROOT: z.optional(z.string()),
  TENANTRY_COMPILE_CACHE_DIR: z.optional(z.string()),
  TENANTRY_TENANT_UIDS: z.optional(z.string()),
  TENANTRY_TRIAL_DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
  TENANTRY_NAMING_KEY: z.optional(z.string()),
  TENANTRY_POSTGRES_ROOT: z.optional(z.string()),
  /** The redis-server binary and the folder of each tenant's own server (the local driver). */
  TENANTRY_REDIS_SERVER: z.optional(z.string()),
  TENANTRY_TENANT_REDIS_ROOT: z.optional(z.string()),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.optional(z.string()),
  TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
  /** How often (ms) every tenant is reconciled even when nothing announced a change: how soon drift is repaired. */
  TENANTRY_RESYNC_INTERVAL_MS: env.integer(200, 3_600_000, 30_000),
  /** S3 storage for tenants (an S3-compatible server with STS); unset, a folder per tenant. */
  TENANTRY_S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  TENANTRY_S3_BUCKET: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')), 'tenant-data'),
  TENANTRY_S3_REGION: z._default(z.string(), 'us-east-1'),
  TENANTRY_S3_ACCESS_KEY_ID: z.optional(z.string().check(z.minLength(3))),
  TENANTRY_S3_SECRET_ACCESS_KEY: z.optional(z.string().check(z.minLength(8))),
  // The kubernetes driver: terraform and helm run as child processes.
  /** The Terraform folder with the `tenant/` root and `modules/` (the repository's deploy/terraform). */
  TENANTRY_TERRAFORM_DIR: z.optional(z.string()),
  /** The platform's variables for the tenant root: region and platform (the platform root's tenant_platform output). */
  TENANTRY_TERRAFORM_VAR_FILE: z.optional(z.string()),
  /** A backend settings file for the tenant states (bucket, region, lock table); each tenant's key is added. */
  TENANTRY_TERRAFORM_BACKEND_CONFIG: z.optional(z.string()),
  TENANTRY_TERRAFORM_BIN: z._default(z.string(), 'terraform'),
  TENANTRY_TERRAFORM_TIMEOUT_SECONDS: env.integer(60, 4 * 3600, 2400),
  /** The tenant-pod chart (deploy/helm/tenant-pod). */
  TENANTRY_HELM_CHART: z.optional(z.string()),
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
  TENANTRY_SMTP_RELAY_URL: z.optional(env.url(['smtp', 'smtps'])),
};

const REQUIRED_ON_MASTER = {
  local: [
    'TENANTRY_SECRET_KEY',
    'TENANTRY_AGENT_URL',
    'TENANTRY_AGENT_TOKEN',
    'TENANTRY_STORAGE_ROOT',
    'TENANTRY_TRIAL_DATABASE_URL',
    'TENANTRY_NAMING_KEY',
    'TENANTRY_POSTGRES_ROOT',
    'TENANTRY_POSTGRES_SUPERUSER_PASSWORD',
    'TENANTRY_MAIL_SMTP_PORT',
    'TENANTRY_MAIL_HTTP_PORT',
    'TENANTRY_MAIL_KEY',
  ],
  kubernetes: [
    'TENANTRY_SECRET_KEY',
    'TENANTRY_TERRAFORM_DIR',
    'TENANTRY_TERRAFORM_VAR_FILE',
    'TENANTRY_TERRAFORM_BACKEND_CONFIG',
    'TENANTRY_HELM_CHART',
    'TENANTRY_SMTP_RELAY_URL',
  ],
} as const;

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

export const schedulerConfigSchema = z
  .object({
    ...podBaseEnvironment,
    ...podDatabaseEnvironment,
    ...podStorageEnvironment,
    ...podTopicsEnvironment,
    ...podAnalyticsStoreEnvironment,
    ...tenantJobs,
    ...masterOnly,
  })
  .check(
    z.superRefine((config, ctx) => {
      if (!config.IS_MASTER) return;
      for (const key of REQUIRED_ON_MASTER[config.TENANTRY_DRIVER]) {
        if (!config[key])
          ctx.issues.push({
            code: 'custom',
            path: [key],
            message: `is required when IS_MASTER=true with TENANTRY_DRIVER=${config.TENANTRY_DRIVER}`,
            input: config[key],
          });
      }
      if (config.TENANTRY_S3_ENDPOINT) {
        for (const key of ['TENANTRY_S3_ACCESS_KEY_ID', 'TENANTRY_S3_SECRET_ACCESS_KEY'] as const) {
          if (!config[key]) ctx.issues.push({ code: 'custom', path: [key], message: 'is required with TENANTRY_S3_ENDPOINT', input: config[key] });
        }
      }
    }),
  );

export type SchedulerConfig = z.output<typeof schedulerConfigSchema>;
export const readSchedulerConfig = (environment: NodeJS.ProcessEnv = process.env) => readConfig('scheduler', schedulerConfigSchema, environment);

/** @module Configuration of the job scheduler; on the master it also configures the provisioning worker and its driver. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { podEnvironment } from '@tenantry/pod-runtime';

const masterOnly = {
  TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
  TENANTRY_PUBLIC_PORT: env.port(8080),
  TENANTRY_MAIL_SMTP_PORT: z.optional(env.port()),
  TENANTRY_MAIL_HTTP_PORT: z.optional(env.port()),
  TENANTRY_MAIL_KEY: z.optional(z.string()),
  TENANTRY_AGENT_URL: z.optional(env.url(['http'])),
  TENANTRY_AGENT_TOKEN: z.optional(z.string()),
  TENANTRY_STORAGE_ROOT: z.optional(z.string()),
  TENANTRY_COMPILE_CACHE_DIR: z.optional(z.string()),
  TENANTRY_TRIAL_DATABASE_URL: z.optional(env.url(['postgres', 'postgresql'])),
  TENANTRY_NAMING_KEY: z.optional(z.string()),
  TENANTRY_POSTGRES_ROOT: z.optional(z.string()),
  TENANTRY_POSTGRES_SUPERUSER_PASSWORD: z.optional(z.string()),
  TENANTRY_POSTGRES_BIN_DIR: z.optional(z.string()),
  TENANTRY_POD_MANIFEST: z.optional(z.string()),
  TENANTRY_PROVISIONING_CONCURRENCY: env.integer(1, 64, 4),
  /** S3 storage for tenants (an S3-compatible server with STS); unset, a folder per tenant. */
  TENANTRY_S3_ENDPOINT: z.optional(env.url(['http', 'https'])),
  TENANTRY_S3_BUCKET: z._default(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')), 'tenant-data'),
  TENANTRY_S3_REGION: z._default(z.string(), 'us-east-1'),
  TENANTRY_S3_ACCESS_KEY_ID: z.optional(z.string().check(z.minLength(3))),
  TENANTRY_S3_SECRET_ACCESS_KEY: z.optional(z.string().check(z.minLength(8))),
};

const REQUIRED_ON_MASTER = [
  'TENANTRY_AGENT_URL', 'TENANTRY_AGENT_TOKEN', 'TENANTRY_STORAGE_ROOT', 'TENANTRY_TRIAL_DATABASE_URL', 'TENANTRY_NAMING_KEY',
  'TENANTRY_POSTGRES_ROOT', 'TENANTRY_POSTGRES_SUPERUSER_PASSWORD', 'TENANTRY_MAIL_SMTP_PORT', 'TENANTRY_MAIL_HTTP_PORT', 'TENANTRY_MAIL_KEY',
] as const;

const tenantJobs = {
  /** Outgoing mail server, e.g. smtp://user:password@host:587 (locally the platform's catcher). */
  SMTP_URL: env.url(['smtp', 'smtps']),
  /** The From address of the tenant's mail. */
  MAIL_FROM: z.string().check(z.regex(/^[^\s@<>]+@[^\s@<>]+$|^.+ <[^\s@<>]+@[^\s@<>]+>$/, 'must be an address such as no-reply@acme.example.com or "Acme <no-reply@acme.example.com>"')),
  /** When the cleanup job runs (cron, the pod's time zone). @defaultValue every day at 03:00 */
  CLEANUP_CRON: z._default(z.string().check(z.regex(/^(\S+\s+){4}\S+$|^(\S+\s+){5}\S+$/, 'must be a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"')), '0 3 * * *'),
  /** Soft-deleted projects, tasks and files are purged after this many days. @defaultValue 30 */
  SOFT_DELETE_RETENTION_DAYS: env.integer(0, 3650, 30),
  /** Mails sent at once. @defaultValue 4 */
  MAIL_CONCURRENCY: env.integer(1, 50, 4),
};

const schema = z.object({ ...podEnvironment, ...tenantJobs, ...masterOnly }).check(
  z.superRefine((config, ctx) => {
    if (!config.IS_MASTER) return;
    for (const key of REQUIRED_ON_MASTER) {
      if (!config[key]) ctx.issues.push({ code: 'custom', path: [key], message: 'is required when IS_MASTER=true', input: config[key] });
    }
    if (config.TENANTRY_S3_ENDPOINT) {
      for (const key of ['TENANTRY_S3_ACCESS_KEY_ID', 'TENANTRY_S3_SECRET_ACCESS_KEY'] as const) {
        if (!config[key]) ctx.issues.push({ code: 'custom', path: [key], message: 'is required with TENANTRY_S3_ENDPOINT', input: config[key] });
      }
    }
  }),
);

export type SchedulerConfig = z.output<typeof schema>;
export const readSchedulerConfig = () => readConfig('scheduler', schema);

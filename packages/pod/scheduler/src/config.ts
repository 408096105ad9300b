/** @module Configuration of the job scheduler (on the master, its controller's settings are read by @tenantry/master). */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import {
  podAnalyticsStoreEnvironment,
  podBaseEnvironment,
  podDatabaseEnvironment,
  podStorageEnvironment,
  podTopicsEnvironment,
} from '@tenantry/pod-runtime/config';

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

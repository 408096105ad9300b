/** @module Configuration of the admin backend (on the master, its API's settings are read by @tenantry/master). */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { podAnalyticsStoreEnvironment, podBaseEnvironment, podDatabaseEnvironment } from '@tenantry/pod-runtime/config';

export const adminBackendConfigSchema = z.object({
  ...podBaseEnvironment,
  ...podDatabaseEnvironment,
  ...podAnalyticsStoreEnvironment,
  /** Connections to the tenant database. @defaultValue 3 */
  DATABASE_POOL_SIZE: env.integer(1, 50, 3),
  /** Where the tenant's sent mail can be read back (the local platform's SMTP catcher). */
  MAIL_INBOX_URL: z.optional(env.url(['http', 'https'])),
});

export type AdminBackendConfig = z.output<typeof adminBackendConfigSchema>;
export const readAdminBackendConfig = () => readConfig('admin-backend', adminBackendConfigSchema);

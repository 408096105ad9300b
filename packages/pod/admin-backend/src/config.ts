/** @module Configuration of the admin backend; on the master it also needs the control plane's settings. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { podAnalyticsStoreEnvironment, podBaseEnvironment, podDatabaseEnvironment } from '@tenantry/pod-runtime/config';

export const adminBackendConfigSchema = z
  .object({
    ...podBaseEnvironment,
    ...podDatabaseEnvironment,
    ...podAnalyticsStoreEnvironment,
    /** Connections to the tenant database. @defaultValue 3 */
    DATABASE_POOL_SIZE: env.integer(1, 50, 3),
    /** Where the tenant's sent mail can be read back (the local platform's SMTP catcher). */
    MAIL_INBOX_URL: z.optional(env.url(['http', 'https'])),
    ADMIN_TOKEN: z.optional(z.string().check(z.minLength(16, 'must be at least 16 characters'))),
    /** The platform key that seals secrets in the tenant catalog (on the master). */
    TENANTRY_SECRET_KEY: z.optional(env.secretKey()),
    TENANTRY_DOMAIN: z._default(z.string(), 'localhost'),
    TENANTRY_PUBLIC_PORT: env.port(8080),
    /** Where the master probes tenants' health: the entry users take. @defaultValue http://127.0.0.1:<TENANTRY_PUBLIC_PORT> */
    TENANTRY_PROBE_URL: z.optional(env.url(['http', 'https'])),
  })
  .check(
    z.refine((c) => !c.IS_MASTER || Boolean(c.ADMIN_TOKEN), { message: 'is required when IS_MASTER=true', path: ['ADMIN_TOKEN'] }),
    z.refine((c) => !c.IS_MASTER || Boolean(c.TENANTRY_SECRET_KEY), { message: 'is required when IS_MASTER=true', path: ['TENANTRY_SECRET_KEY'] }),
  );

export type AdminBackendConfig = z.output<typeof adminBackendConfigSchema>;
export const readAdminBackendConfig = () => readConfig('admin-backend', adminBackendConfigSchema);

/** The admin backend's configuration on the master: its master-only settings given (the schema requires them there). */
export type MasterAdminBackendConfig = AdminBackendConfig & { ADMIN_TOKEN: string; TENANTRY_SECRET_KEY: string };

/** The configuration as the master's, when this admin backend is the master's; undefined on a tenant's pod. */
export function asMaster(config: AdminBackendConfig): MasterAdminBackendConfig | undefined {
  const { ADMIN_TOKEN, TENANTRY_SECRET_KEY } = config;
  return config.IS_MASTER && ADMIN_TOKEN && TENANTRY_SECRET_KEY ? { ...config, ADMIN_TOKEN, TENANTRY_SECRET_KEY } : undefined;
}

/** @module Configuration of the user backend: the pod contract plus its own limits. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
import { podBaseEnvironment, podDatabaseEnvironment, podStorageEnvironment } from '@tenantry/pod-runtime/config';

export const userBackendConfigSchema = z.object({
  ...podBaseEnvironment,
  ...podDatabaseEnvironment,
  ...podStorageEnvironment,
  /** Connections to the tenant database. @defaultValue 8 */
  DATABASE_POOL_SIZE: env.integer(1, 100, 8),
  /** How long a sign-in lasts, in hours. @defaultValue 168 (a week) */
  SESSION_TTL_HOURS: env.integer(1, 24 * 90, 168),
  /** Largest file upload, in MiB. @defaultValue 10 */
  FILE_MAX_MB: env.integer(1, 1024, 10),
});

export type UserBackendConfig = z.output<typeof userBackendConfigSchema>;
export const readUserBackendConfig = () => readConfig('user-backend', userBackendConfigSchema);

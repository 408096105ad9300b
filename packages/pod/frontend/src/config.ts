/** @module Configuration of the frontend: the pod contract's base (no database, storage or mail) and its backends' URLs. */
import * as z from 'zod/mini';
import { env, readConfig } from '@tenantry/core';
// Only the environment contract: the rest of the runtime (database, jobs, sessions) is the backends'.
import { podBaseEnvironment } from '@tenantry/pod-runtime/config';

export const frontendConfigSchema = z.object({
  ...podBaseEnvironment,
  USER_BACKEND_URL: env.url(['http', 'https']),
  ADMIN_BACKEND_URL: env.url(['http', 'https']),
});

export const readFrontendConfig = () => readConfig('frontend', frontendConfigSchema);

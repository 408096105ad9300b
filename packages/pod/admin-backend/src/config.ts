/** @module Configuration of the admin backend; on the master it also needs the control plane's settings. */
import { z } from 'zod';
import { env, readConfig } from '@tenantry/core';
import { podEnvironment } from '@tenantry/pod-runtime';

const schema = z
  .object({
    ...podEnvironment,
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TENANTRY_DOMAIN: z.string().default('localhost'),
    TENANTRY_PUBLIC_PORT: env.port(8080),
  })
  .refine((c) => !c.IS_MASTER || c.ADMIN_TOKEN, { message: 'is required when IS_MASTER=true', path: ['ADMIN_TOKEN'] });

export type AdminBackendConfig = z.output<typeof schema>;
export const readAdminBackendConfig = () => readConfig('admin-backend', schema);

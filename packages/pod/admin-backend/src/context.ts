/** @module What the admin backend's routes share. */
import type { Pool, Principal, SessionRequest } from '@tenantry/pod-runtime';
import type { Queue } from 'bullmq';
import type { AdminBackendConfig } from './config.js';

export interface AdminBackendContext {
  config: AdminBackendConfig;
  pool: Pool;
  /** The tenant's queues by name, for the jobs view. */
  queues: Record<'mail' | 'maintenance', Queue>;
  /** The request's admin: a tenant admin's session (or, on the master, the operator). */
  requireAdmin: (request: SessionRequest) => Promise<Principal | 'operator'>;
}

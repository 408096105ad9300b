/** @module What the user backend's routes share: its configuration, database, sessions, jobs and storage. */
import type { AnalyticsProducer, JobProducer, ObjectStore, Pool, SessionAuthority } from '@tenantry/pod-runtime';
import type { UserBackendConfig } from './config.js';
import type { FeatureSwitches } from './features.js';
import type { LoginThrottle } from './login-throttle.js';

export interface UserBackendContext {
  config: UserBackendConfig;
  pool: Pool;
  sessions: SessionAuthority;
  jobs: JobProducer;
  store: ObjectStore;
  features: FeatureSwitches;
  analytics: AnalyticsProducer;
  throttle: LoginThrottle;
}

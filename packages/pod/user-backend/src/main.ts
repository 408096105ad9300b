/** @module The tenant's user backend: the API its users' browsers and its frontend call under /api. */
import { readConfig, runMain } from '@tenantry/core';
import {
  JobProducer,
  SessionAuthority,
  UNUSED_DURING_WARM_UP,
  WARM_UP_ENVIRONMENT,
  jobPrefix,
  openObjectStore,
  openTenantPool,
  servePod,
  startPodAnalytics,
  warmUpServer,
} from '@tenantry/pod-runtime';
import { migrateTenantDatabase } from '@tenantry/tenant-schema';
import { buildUserBackend } from './app.js';
import { readUserBackendConfig, userBackendConfigSchema } from './config.js';
import { FeatureSwitches } from './features.js';
import { LoginThrottle } from './login-throttle.js';

warmUpServer(() =>
  buildUserBackend({
    config: readConfig('user-backend', userBackendConfigSchema, WARM_UP_ENVIRONMENT),
    pool: UNUSED_DURING_WARM_UP,
    sessions: UNUSED_DURING_WARM_UP,
    jobs: UNUSED_DURING_WARM_UP,
    store: UNUSED_DURING_WARM_UP,
    features: UNUSED_DURING_WARM_UP,
    analytics: UNUSED_DURING_WARM_UP,
    throttle: UNUSED_DURING_WARM_UP,
  }),
);

runMain(async () => {
  const config = readUserBackendConfig();
  const pool = openTenantPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  // Normally a no-op (provisioning and the admin backend migrate first); it makes the program safe to start alone.
  await migrateTenantDatabase(pool);
  const sessions = await SessionAuthority.load(pool, config.TENANT_ID, config.TENANT_URL);
  const jobs = new JobProducer(config.REDIS_URL, jobPrefix(config.REDIS_PREFIX, config.TENANT_ID));
  const store = await openObjectStore(config.STORAGE_URL);
  const analytics = startPodAnalytics(config);
  const throttle = new LoginThrottle(config.REDIS_URL, jobPrefix(config.REDIS_PREFIX, config.TENANT_ID));
  const app = await buildUserBackend({ config, pool, sessions, jobs, store, features: new FeatureSwitches(pool), analytics, throttle });
  await servePod(app, config, async () => {
    await jobs.close();
    await analytics.close();
    throttle.close();
    await pool.end();
  });
});

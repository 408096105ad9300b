/** @module The tenant's user backend: the API its users' browsers and its frontend call under /api. */
import { readConfig, runMain, defaultTenantName } from '@tenantry/core';
import { createPodServer, podEnvSchema, servePod } from '@tenantry/pod-runtime';

runMain(async () => {
  const config = readConfig('user-backend', podEnvSchema);
  const app = createPodServer({ program: 'user-backend', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL });
  const tenantConfig = Object.freeze({
    slug: config.TENANT_ID,
    name: config.TENANT_NAME ?? defaultTenantName(config.TENANT_ID),
    tier: config.TENANT_TIER,
    isMaster: config.IS_MASTER,
  });
  app.get('/api/user/config', async () => tenantConfig);
  await servePod(app, config.PORT);
});

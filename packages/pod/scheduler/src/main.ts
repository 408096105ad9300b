/** @module The tenant's job scheduler; on the master pod it runs the provisioning worker. */
import { createLogger, runMain } from '@tenantry/core';
import { createPodServer, servePod } from '@tenantry/pod-runtime';
import { readSchedulerConfig } from './config.js';
import { startProvisioning } from './master-provisioning.js';

runMain(async () => {
  const config = readSchedulerConfig();
  const app = createPodServer({ program: 'scheduler', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL });
  const stop = config.IS_MASTER ? await startProvisioning(config, createLogger('scheduler', config.LOG_LEVEL, { program: 'scheduler', tenant: config.TENANT_ID })) : async () => undefined;
  await servePod(app, config.PORT, stop);
});

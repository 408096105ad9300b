/** @module The tenant's job scheduler; on the master pod it runs the provisioning worker. */
import { createLogger, runMain } from '@tenantry/core';
import { createPodServer, servePod } from '@tenantry/pod-runtime';
import { readSchedulerConfig } from './config.js';

runMain(async () => {
  const config = readSchedulerConfig();
  const app = createPodServer({ program: 'scheduler', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL });
  // Loaded only on the master, so a tenant's scheduler starts without the control plane.
  const stop = config.IS_MASTER ? await (await import('./master-provisioning.js')).startProvisioning(config, createLogger('scheduler', config.LOG_LEVEL, { program: 'scheduler', tenant: config.TENANT_ID })) : async () => undefined;
  await servePod(app, config.PORT, stop);
});

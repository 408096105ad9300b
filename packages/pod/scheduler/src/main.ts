/** @module The tenant's job scheduler: its mail and cleanup workers; on the master pod also the provisioning worker. */
import { createLogger, runMain } from '@tenantry/core';
import { createPodServer, servePod, startPodAnalytics } from '@tenantry/pod-runtime';
import { readMasterConfig, readSchedulerConfig } from './config.js';
import { startTenantJobs } from './tenant-jobs.js';

runMain(async () => {
  const config = readSchedulerConfig();
  // The master's controller settings, one variant per driver, checked at start-up like the rest.
  const master = config.IS_MASTER ? readMasterConfig() : undefined;
  const analytics = startPodAnalytics(config);
  const app = createPodServer({ program: 'scheduler', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL, analytics });
  const log = createLogger('scheduler', config.LOG_LEVEL, { program: 'scheduler', tenant: config.TENANT_ID });
  const stops = [() => analytics.close(), await startTenantJobs(config, log, analytics)];
  // Loaded only on the master, so a tenant's scheduler starts without the control plane.
  if (master) {
    stops.push(await (await import('./master-provisioning.js')).startProvisioning(config, master, log));
    stops.push(await (await import('./master-analytics.js')).startAnalyticsConsumer(config, master, log));
  }
  await servePod(app, config, async () => {
    for (const stop of stops.reverse()) await stop();
  });
});

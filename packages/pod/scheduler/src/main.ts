/** @module The tenant's job scheduler: its mail and cleanup workers; on the master pod also the master's controller. */
import { createLogger, runMain } from '@tenantry/core';
import { createPodServer, servePod, startPodAnalytics } from '@tenantry/pod-runtime';
import { readSchedulerConfig } from './config.js';
import { startTenantJobs } from './tenant-jobs.js';

runMain(async () => {
  const config = readSchedulerConfig();
  // The master's controller: loaded only on the master, so a tenant's scheduler starts without the control plane;
  // its settings, one variant per driver, checked at start-up like the rest.
  const controller = config.IS_MASTER ? await import('@tenantry/master/controller') : undefined;
  const master = controller?.readControllerConfig();
  const analytics = startPodAnalytics(config);
  const app = createPodServer({ program: 'scheduler', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL, analytics });
  const log = createLogger('scheduler', config.LOG_LEVEL, { program: 'scheduler', tenant: config.TENANT_ID });
  const stops = [() => analytics.close(), await startTenantJobs(config, log, analytics)];
  if (controller && master) stops.push(await controller.startMasterController(config, master, log));
  await servePod(app, config, async () => {
    for (const stop of stops.reverse()) await stop();
  });
});

/**
 * @module The activator program (`pod-entry.mjs activator` in the control-plane image; the platform chart's
 * `activator` Deployment): its configuration from the environment, the pod manifest's paths, the tenants'
 * Services, and a clean stop on SIGTERM.
 */
import { createLogger, runMain } from '@tenantry/core';
import { defaultPodManifest, loadPodManifest } from '@tenantry/pod-manifest';
import { tenantServiceUrl } from '../tenant-namespace.js';
import { Activator } from './activator.js';
import { readActivatorConfig } from './config.js';

runMain(async () => {
  const config = readActivatorConfig();
  const log = createLogger('activator', config.LOG_LEVEL, { program: 'activator' });
  const manifest = config.TENANTRY_POD_MANIFEST ? loadPodManifest(config.TENANTRY_POD_MANIFEST) : defaultPodManifest();
  const activator = new Activator({
    masterUrl: config.TENANTRY_MASTER_URL,
    adminToken: config.ADMIN_TOKEN,
    programs: manifest.programs,
    upstream: (slug, program) => {
      const url = new URL(tenantServiceUrl({ slug }, program));
      return { host: url.hostname, port: Number(url.port) };
    },
    wakeTimeoutMs: config.TENANTRY_WAKE_TIMEOUT_MS,
    syncIntervalMs: config.TENANTRY_ACTIVATOR_SYNC_INTERVAL_MS,
    log,
  });
  await activator.start(config.PORT, config.HOST);
  log.info({ port: activator.port, master: config.TENANTRY_MASTER_URL }, 'activator listening');
  const stop = () => {
    log.info('stopping');
    activator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});

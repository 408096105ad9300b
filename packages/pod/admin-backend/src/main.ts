/** @module The tenant's admin backend (/admin/api); on the master pod it serves the tenants API of the control plane. */
import { runMain } from '@tenantry/core';
import { createPodServer, servePod } from '@tenantry/pod-runtime';
import { readAdminBackendConfig } from './config.js';

runMain(async () => {
  const config = readAdminBackendConfig();
  const app = createPodServer({ program: 'admin-backend', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL });
  app.get('/admin/api/status', async () => ({ tenant: config.TENANT_ID, tier: config.TENANT_TIER, program: 'admin-backend' }));
  const closers: (() => Promise<void>)[] = [];
  if (config.IS_MASTER) {
    // Loaded only on the master, so a tenant's admin backend starts without the control plane.
    const { ProvisioningQueue, TenantCatalog, tenantsApi } = await import('@tenantry/control-plane');
    const catalog = new TenantCatalog(config.DATABASE_URL);
    await catalog.migrate();
    const queue = new ProvisioningQueue(config.REDIS_URL);
    closers.push(() => queue.close(), () => catalog.close());
    await app.register(tenantsApi, {
      catalog,
      queue,
      adminToken: config.ADMIN_TOKEN!,
      address: { domain: config.TENANTRY_DOMAIN, port: config.TENANTRY_PUBLIC_PORT },
    });
  }
  await servePod(app, config.PORT, async () => {
    for (const close of closers) await close();
  });
});

/** @module The tenant's admin backend (/admin/api); on the master pod it also serves the control plane's tenants API. */
import { Queue } from 'bullmq';
import { runMain } from '@tenantry/core';
import {
  QUEUES,
  SessionAuthority,
  createPodServer,
  HEALTH_PROBE_PATH,
  jobConnection,
  jobPrefix,
  openTenantPool,
  serveApiDocument,
  servePod,
  startPodAnalytics,
} from '@tenantry/pod-runtime';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import { ADMIN_API_DOCUMENT_PATH, adminApiSecurity } from './api-documents.js';
import { asMaster, readAdminBackendConfig } from './config.js';
import type { AdminBackendContext } from './context.js';
import { operationsRoutes } from './routes/operations.js';
import { settingsRoutes } from './routes/settings.js';
import { userRoutes } from './routes/users.js';
import { Status } from './schemas.js';
import type { OperatorAuth } from './operator.js';

runMain(async () => {
  const config = readAdminBackendConfig();
  // The pod's migrations run here at start-up (a no-op when provisioning or a fleet run got there first).
  const migrated = await migrateTenantDatabase(config.DATABASE_URL);
  const pool = openTenantPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const sessions = await SessionAuthority.load(pool, config.TENANT_ID, config.TENANT_URL);
  const connection = jobConnection(config.REDIS_URL);
  const prefix = jobPrefix(config.REDIS_PREFIX, config.TENANT_ID);
  const queues = { mail: new Queue(QUEUES.mail, { connection, prefix }), maintenance: new Queue(QUEUES.maintenance, { connection, prefix }) };
  const analytics = startPodAnalytics(config);
  const app = createPodServer({ program: 'admin-backend', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL, analytics });
  app.log.info({ schemaVersion: migrated.version, applied: migrated.applied }, 'tenant schema is current');

  const closers: (() => Promise<void>)[] = [];
  let operator: OperatorAuth | undefined;
  let requireAdmin: AdminBackendContext['requireAdmin'] = (request) => sessions.authenticate(request, 'admin');
  const masterConfig = asMaster(config);
  if (masterConfig) {
    // Loaded only on the master, so a tenant's admin backend starts without the control plane.
    const { OutputSeal, ProvisioningQueue, TenantCatalog, TenantHealthMonitor, tenantsApi } = await import('@tenantry/control-plane');
    const { OperatorAuth } = await import('./operator.js');
    const { gatewayProbe } = await import('./health-probe.js');
    const { openStore } = await import('@tenantry/analytics');
    // Read only: the master's scheduler, which writes, creates the tables (two programs creating
    // Cassandra tables at once can end with two versions of a table).
    const usage = openStore(config, config.DATABASE_URL, 2);
    const master = new OperatorAuth(masterConfig.ADMIN_TOKEN, sessions, pool, config.TENANT_URL);
    operator = master;
    requireAdmin = (request) => master.require(request);
    const catalog = new TenantCatalog(config.DATABASE_URL, 10, new OutputSeal(masterConfig.TENANTRY_SECRET_KEY));
    await catalog.migrate();
    const provisioning = new ProvisioningQueue(config.REDIS_URL);
    const probeUrl = config.TENANTRY_PROBE_URL ?? `http://127.0.0.1:${config.TENANTRY_PUBLIC_PORT}`;
    const health = new TenantHealthMonitor(catalog, gatewayProbe(probeUrl, config.TENANTRY_DOMAIN, config.TENANTRY_PUBLIC_PORT));
    health.start();
    closers.push(
      () => health.stop(),
      () => provisioning.close(),
      () => catalog.close(),
      () => usage.close(),
    );
    await app.register(tenantsApi, {
      catalog,
      queue: provisioning,
      authorize: async (request) => {
        await master.require(request);
      },
      address: { domain: config.TENANTRY_DOMAIN, port: config.TENANTRY_PUBLIC_PORT },
      schema: { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase },
      health: (slug) => health.get(slug),
      analytics: usage,
      document: { serverUrl: config.TENANT_URL, security: adminApiSecurity(true) },
    });
  }
  const ctx: AdminBackendContext = { config, pool, queues, requireAdmin };
  await app.register(async (api) => {
    await serveApiDocument(api, {
      path: ADMIN_API_DOCUMENT_PATH,
      title: config.IS_MASTER ? "The master's admin API" : 'Tenant admin API',
      description: config.IS_MASTER
        ? "The master pod's admin API: its admin users, settings, jobs, mail and migrations, and the operator's sign-in. The tenants API has its own document."
        : "The admin API of one tenant: its users and roles, settings and branding, jobs, usage, sent mail and schema migrations. Only the tenant's admins get in.",
      serverUrl: config.TENANT_URL,
      security: adminApiSecurity(config.IS_MASTER),
    });
    // A probe for operators and monitors: nothing in it is secret.
    api.get(
      HEALTH_PROBE_PATH,
      { schema: { tags: ['status'], summary: "The admin backend's health and the tenant database's schema version", security: [], response: { 200: Status } } },
      async () => {
        return { tenant: config.TENANT_ID, tier: config.TENANT_TIER, program: 'admin-backend', schemaVersion: migrated.version };
      },
    );
    if (operator) await api.register(async (scope) => operator!.routes(scope));
    for (const routes of [userRoutes, settingsRoutes, operationsRoutes]) await api.register(async (scope) => routes(scope, ctx));
  });
  await servePod(app, config, async () => {
    for (const close of closers) await close();
    await Promise.all([queues.mail.close(), queues.maintenance.close()]);
    connection.disconnect();
    await analytics.close();
    await pool.end();
  });
});

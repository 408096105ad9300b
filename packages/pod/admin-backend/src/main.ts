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
import { migrateTenantDatabase } from '@tenantry/tenant-schema';
import { ADMIN_API_DOCUMENT_PATH, TENANT_ADMIN_SECURITY } from './api-documents.js';
import { readAdminBackendConfig } from './config.js';
import type { AdminBackendContext } from './context.js';
import { operationsRoutes } from './routes/operations.js';
import { settingsRoutes } from './routes/settings.js';
import { userRoutes } from './routes/users.js';
import { Status } from './schemas.js';
import type { MasterApi } from '@tenantry/master/api';

runMain(async () => {
  const config = readAdminBackendConfig();
  // The master's API: loaded only on the master, so a tenant's admin backend starts without the
  // control plane; its settings checked at start-up with the rest.
  const masterApi = config.IS_MASTER ? await import('@tenantry/master/api') : undefined;
  const masterConfig = masterApi?.readMasterApiConfig();
  // The pod's migrations run here at start-up (a no-op when provisioning or a fleet run got there first).
  const pool = openTenantPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const migrated = await migrateTenantDatabase(pool);
  const sessions = await SessionAuthority.load(pool, config.TENANT_ID, config.TENANT_URL);
  const connection = jobConnection(config.REDIS_URL);
  const prefix = jobPrefix(config.REDIS_PREFIX, config.TENANT_ID);
  const queues = { mail: new Queue(QUEUES.mail, { connection, prefix }), maintenance: new Queue(QUEUES.maintenance, { connection, prefix }) };
  const analytics = startPodAnalytics(config);
  const app = createPodServer({ program: 'admin-backend', tenant: config.TENANT_ID, logLevel: config.LOG_LEVEL, analytics });
  app.log.info({ schemaVersion: migrated.version, applied: migrated.applied }, 'tenant schema is current');

  const closers: (() => Promise<void>)[] = [];
  let requireAdmin: AdminBackendContext['requireAdmin'] = (request) => sessions.authenticate(request, 'admin');
  let master: MasterApi | undefined;
  if (masterApi && masterConfig) {
    master = await masterApi.mountMasterApi(app, { config, sessions, pool }, masterConfig);
    closers.push(master.close);
    requireAdmin = master.requireAdmin;
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
      security: master?.security ?? TENANT_ADMIN_SECURITY,
    });
    // A probe for operators and monitors: nothing in it is secret.
    api.get(
      HEALTH_PROBE_PATH,
      { schema: { tags: ['status'], summary: "The admin backend's health and the tenant database's schema version", security: [], response: { 200: Status } } },
      async () => {
        return { tenant: config.TENANT_ID, tier: config.TENANT_TIER, program: 'admin-backend', schemaVersion: migrated.version };
      },
    );
    if (master) await api.register(async (scope) => master.operatorRoutes(scope));
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

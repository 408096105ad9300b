/**
 * @module @tenantry/master/api: the master's API, which the admin backend mounts when IS_MASTER=true:
 * the tenants API (the catalog, the provisioning queue, tenants' health and usage, the fleet
 * migration) and the operator's sign-in, with who may operate.
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { openStore, type CassandraConfig } from '@tenantry/analytics';
import { OutputSeal, ProvisioningQueue, TenantCatalog, TenantHealthMonitor, tenantsApi } from '@tenantry/control-plane';
import { SESSION_COOKIE, type Principal, type SecuritySchemes, type SessionAuthority, type SessionRequest } from '@tenantry/pod-runtime';
import { LATEST_SCHEMA_VERSION, migrateTenantDatabase } from '@tenantry/tenant-schema';
import type { MasterApiConfig } from '../config.js';
import { gatewayProbe } from './health-probe.js';
import { OPERATOR_COOKIE, OperatorAuth } from './operator.js';

export { readMasterApiConfig, type MasterApiConfig } from '../config.js';

/** How a client authenticates to the master's admin API and tenants API (their OpenAPI security schemes). */
const MASTER_SECURITY = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'the admin token ($TENANTRY_HOME/admin-token), or the session token of a master admin (POST /api/auth/login)',
  },
  session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: "a master admin's session cookie, set by signing in" },
  operator: { type: 'apiKey', in: 'cookie', name: OPERATOR_COOKIE, description: 'the dashboard session cookie (POST /admin/api/operator/session)' },
} satisfies SecuritySchemes;

/** What the master's API takes from the admin backend that mounts it. */
export interface ApiPod {
  config: CassandraConfig & { CASSANDRA_CONTACT_POINTS?: string[] | undefined; DATABASE_URL: string; REDIS_URL: string; TENANT_URL: string };
  /** The master's own sessions and database: its admin users may operate too. */
  sessions: SessionAuthority;
  pool: pg.Pool;
}

export interface MasterApi {
  /** Who may use the admin API on the master: the operator (admin token or dashboard session) or a master admin. */
  requireAdmin(request: SessionRequest): Promise<Principal | 'operator'>;
  /** Registers the operator's sign-in routes in the admin API's scope (its document lists them). */
  operatorRoutes(scope: FastifyInstance): void;
  /** How a client authenticates to the master's APIs, for their documents. */
  security: SecuritySchemes;
  close(): Promise<void>;
}

/**
 * Mounts the tenants API on `app` (under /admin/api/tenants, with its own OpenAPI document) and starts
 * the tenants' health monitor; the operator's routes are for the caller to register where it documents them.
 */
export async function mountMasterApi(app: FastifyInstance, pod: ApiPod, config: MasterApiConfig): Promise<MasterApi> {
  const operator = new OperatorAuth(config.ADMIN_TOKEN, pod.sessions, pod.pool, pod.config.TENANT_URL);
  // Read only: the master's controller, which writes, creates the tables (two programs creating
  // Cassandra tables at once can end with two versions of a table).
  const usage = openStore(pod.config, pod.config.DATABASE_URL, 2);
  const catalog = new TenantCatalog(pod.config.DATABASE_URL, 10, new OutputSeal(config.TENANTRY_SECRET_KEY));
  const provisioning = new ProvisioningQueue(pod.config.REDIS_URL);
  const probeUrl = config.TENANTRY_PROBE_URL ?? `http://127.0.0.1:${config.TENANTRY_PUBLIC_PORT}`;
  const health = new TenantHealthMonitor(catalog, gatewayProbe(probeUrl, config.TENANTRY_DOMAIN, config.TENANTRY_PUBLIC_PORT));
  const close = async () => {
    await health.stop();
    await provisioning.close();
    await catalog.close();
    await usage.close();
  };
  try {
    await catalog.migrate();
    health.start();
    await app.register(tenantsApi, {
      catalog,
      queue: provisioning,
      authorize: async (request) => {
        await operator.require(request);
      },
      address: { domain: config.TENANTRY_DOMAIN, port: config.TENANTRY_PUBLIC_PORT },
      schema: { latestVersion: LATEST_SCHEMA_VERSION, migrate: migrateTenantDatabase },
      health: (slug) => health.get(slug),
      analytics: usage,
      document: { serverUrl: pod.config.TENANT_URL, security: MASTER_SECURITY },
    });
  } catch (err) {
    await close();
    throw err;
  }
  return {
    requireAdmin: (request) => operator.require(request),
    operatorRoutes: (scope) => operator.routes(scope),
    security: MASTER_SECURITY,
    close,
  };
}

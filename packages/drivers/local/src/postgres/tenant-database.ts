/** @module A tenant's database on a Postgres server: its own database, login role and owner role. */
import { createHmac } from 'node:crypto';
import { tenantDatabaseRoleSettings, type TenantDatabaseLimits, type Tier } from '@tenantry/core';
import pg from 'pg';

export interface TenantDatabaseNames {
  database: string;
  /** The role the tenant logs in with. */
  login: string;
  /** The NOLOGIN role that owns the database and every object in it. */
  owner: string;
}

/**
 * Opaque, stable names: any login on a shared server can list pg_database, so names must not
 * reveal which tenants exist. The same slug and key always give the same names (idempotency).
 */
export function tenantDatabaseNames(slug: string, namingKey: string): TenantDatabaseNames {
  const id = createHmac('sha256', namingKey).update(slug).digest('hex').slice(0, 24);
  return { database: `db_${id}`, login: `${TENANT_LOGIN_PREFIX}${id}`, owner: `owner_${id}` };
}

/** Every tenant login role's name starts with this (and no other role's does). */
export const TENANT_LOGIN_PREFIX = 'login_';

/**
 * Which tenant and tier each login is, kept on the server itself in a schema only superusers read
 * (role names are opaque, and role comments or settings are visible to every login).
 */
export const TENANT_LOGINS_TABLE = 'tenantry_platform.tenant_logins';

const ident = (name: string) => pg.escapeIdentifier(name);
const literal = (value: string) => pg.escapeLiteral(value);

/**
 * Makes (or finds) the database and roles, sets the login's password, and closes the database to
 * everyone else: CONNECT and TEMPORARY revoked from PUBLIC, a connection limit, objects owned by
 * the NOLOGIN owner role (the login switches to it on connect).
 */
export async function ensureTenantDatabase(
  admin: pg.Pool,
  adminUrl: string,
  names: TenantDatabaseNames,
  password: string,
  tenant: { slug: string; tier: Tier },
  limits: TenantDatabaseLimits,
): Promise<void> {
  const connectionLimit = limits.connectionLimit;
  const roles = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[names.owner, names.login]]);
  const existing = new Set(roles.rows.map((r) => r.rolname));
  if (!existing.has(names.owner)) await createIgnoringDuplicate(admin, `CREATE ROLE ${ident(names.owner)} NOLOGIN`);
  if (!existing.has(names.login)) await createIgnoringDuplicate(admin, `CREATE ROLE ${ident(names.login)} LOGIN`);
  await admin.query(
    `ALTER ROLE ${ident(names.login)} LOGIN PASSWORD ${literal(password)} CONNECTION LIMIT ${connectionLimit} NOINHERIT;
     GRANT ${ident(names.owner)} TO ${ident(names.login)};
     ALTER ROLE ${ident(names.login)} SET role = ${literal(names.owner)}`,
  );
  await applyTenantLoginLimits(admin, names.login, limits);
  await registerTenantLogin(admin, names.login, tenant);
  const db = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [names.database]);
  if (db.rowCount === 0) {
    await createIgnoringDuplicate(admin, `CREATE DATABASE ${ident(names.database)} OWNER ${ident(names.owner)} CONNECTION LIMIT ${connectionLimit}`);
  }
  await admin.query(
    `REVOKE CONNECT, TEMPORARY ON DATABASE ${ident(names.database)} FROM PUBLIC;
     GRANT CONNECT, TEMPORARY ON DATABASE ${ident(names.database)} TO ${ident(names.login)}`,
  );
  const url = new URL(adminUrl);
  url.pathname = `/${names.database}`;
  const inDb = new pg.Client({ connectionString: url.toString() });
  await inDb.connect();
  try {
    await inDb.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC; ALTER SCHEMA public OWNER TO ${ident(names.owner)}`);
  } finally {
    await inDb.end();
  }
}

/** Drops the database (disconnecting its sessions) and both roles; a no-op when they are gone. */
export async function dropTenantDatabase(admin: pg.Pool, names: TenantDatabaseNames): Promise<void> {
  await admin.query(`DROP DATABASE IF EXISTS ${ident(names.database)} WITH (FORCE)`);
  await admin.query(`DROP ROLE IF EXISTS ${ident(names.login)}; DROP ROLE IF EXISTS ${ident(names.owner)}`);
  await ensureTenantLoginsTable(admin);
  await admin.query(`DELETE FROM ${TENANT_LOGINS_TABLE} WHERE login = $1`, [names.login]);
}

/**
 * Sets the limits on a login as role settings (session defaults) and its connection limit; idempotent.
 * Run as a superuser: temp_file_limit can only be set, and raised, by one.
 */
export async function applyTenantLoginLimits(admin: pg.Pool, login: string, limits: TenantDatabaseLimits): Promise<void> {
  const settings = Object.entries(tenantDatabaseRoleSettings(limits)).map(([name, value]) => `ALTER ROLE ${ident(login)} SET ${name} = ${literal(value)}`);
  try {
    await admin.query([`ALTER ROLE ${ident(login)} CONNECTION LIMIT ${limits.connectionLimit}`, ...settings].join(';\n'));
  } catch (err) {
    if ((err as { code?: string }).code !== '42501') throw err;
    throw new Error(
      `cannot set the database limits of tenant login ${login}: ${(err as Error).message}; the server's admin login must be a superuser (only one may set temp_file_limit)`,
      { cause: err },
    );
  }
}

/**
 * Gives every tenant login on the server (an earlier version made them without limits) the limits of
 * `tier`, the tier every tenant of this server has; returns how many. Run at start-up.
 */
export async function confineExistingTenantLogins(admin: pg.Pool, limits: TenantDatabaseLimits): Promise<number> {
  const logins = await admin.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) AND rolcanlogin`, [TENANT_LOGIN_PREFIX]);
  for (const { rolname } of logins.rows) await applyTenantLoginLimits(admin, rolname, limits);
  return logins.rows.length;
}

/** Makes the registry of tenant logins, closed to everyone but superusers; idempotent. */
export async function ensureTenantLoginsTable(admin: pg.Pool): Promise<void> {
  const make = () =>
    admin.query(
      `CREATE SCHEMA IF NOT EXISTS tenantry_platform;
       REVOKE ALL ON SCHEMA tenantry_platform FROM PUBLIC;
       CREATE TABLE IF NOT EXISTS ${TENANT_LOGINS_TABLE} (login name PRIMARY KEY, tenant text NOT NULL, tier text NOT NULL)`,
    );
  try {
    await make();
  } catch (err) {
    // Two workers making it at once: the loser's IF NOT EXISTS can still collide; once more finds it made.
    if (!['42P07', '42P06', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
    await make();
  }
}

async function registerTenantLogin(admin: pg.Pool, login: string, tenant: { slug: string; tier: Tier }): Promise<void> {
  await ensureTenantLoginsTable(admin);
  await admin.query(
    `INSERT INTO ${TENANT_LOGINS_TABLE} (login, tenant, tier) VALUES ($1, $2, $3) ON CONFLICT (login) DO UPDATE SET tenant = EXCLUDED.tenant, tier = EXCLUDED.tier`,
    [login, tenant.slug, tenant.tier],
  );
}

/** A small pool of superuser connections to one server. */
export function adminPool(adminUrl: string, max = 2): pg.Pool {
  const pool = new pg.Pool({ connectionString: adminUrl, max, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {
    // An idle connection dropped (e.g. the server restarted); the pool opens a new one when needed.
  });
  return pool;
}

/** Closes the default databases of a server to tenant logins (they may still list them). */
export async function closeDefaultDatabases(admin: pg.Pool): Promise<void> {
  await admin.query('REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC; REVOKE CONNECT, TEMPORARY ON DATABASE template1 FROM PUBLIC');
}

/** Two workers racing on the same tenant: the loser finds the object made, which is fine. */
async function createIgnoringDuplicate(client: pg.Pool, sql: string): Promise<void> {
  try {
    await client.query(sql);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '42710' && code !== '42P04' && code !== '23505') throw err;
  }
}

/** @module A tenant's database on a Postgres server: its own database, login role and owner role. */
import { createHmac } from 'node:crypto';
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
  return { database: `db_${id}`, login: `login_${id}`, owner: `owner_${id}` };
}

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
  connectionLimit: number,
): Promise<void> {
  const roles = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [[names.owner, names.login]]);
  const existing = new Set(roles.rows.map((r) => r.rolname));
  if (!existing.has(names.owner)) await createIgnoringDuplicate(admin, `CREATE ROLE ${ident(names.owner)} NOLOGIN`);
  if (!existing.has(names.login)) await createIgnoringDuplicate(admin, `CREATE ROLE ${ident(names.login)} LOGIN`);
  await admin.query(
    `ALTER ROLE ${ident(names.login)} LOGIN PASSWORD ${literal(password)} CONNECTION LIMIT ${connectionLimit} NOINHERIT;
     GRANT ${ident(names.owner)} TO ${ident(names.login)};
     ALTER ROLE ${ident(names.login)} SET role = ${literal(names.owner)}`,
  );
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

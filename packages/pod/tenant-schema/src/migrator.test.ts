import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startTestPostgres, type TestPostgres } from '@tenantry/driver-local/test-support';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrateTenantDatabase } from './index.js';

let server: TestPostgres;
let databases = 0;

before(async () => {
  server = await startTestPostgres();
});
after(() => server.stop());

async function freshDatabase(): Promise<string> {
  const name = `tenant_${++databases}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

test('applies every migration once, in order, and records each', async () => {
  const url = await freshDatabase();
  assert.deepEqual(await migrateTenantDatabase(url), { version: LATEST_SCHEMA_VERSION, applied: MIGRATIONS.map((m) => m.version) });
  assert.deepEqual(await migrateTenantDatabase(url), { version: LATEST_SCHEMA_VERSION, applied: [] });
  const rows = await query<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
  assert.deepEqual(
    rows.map((r) => r.version),
    MIGRATIONS.map((m) => m.version),
  );
  const keys = await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM signing_keys WHERE length(secret) = 32');
  assert.equal(keys[0]!.n, 1);
});

test('concurrent migrators apply each migration exactly once', async () => {
  const url = await freshDatabase();
  const results = await Promise.all([1, 2, 3, 4].map(() => migrateTenantDatabase(url)));
  assert.deepEqual(
    results.flatMap((r) => r.applied).sort(),
    MIGRATIONS.map((m) => m.version),
  );
  assert.ok(results.every((r) => r.version === LATEST_SCHEMA_VERSION));
});

test('a failing migration is rolled back whole and reported; the next run carries on from there', async () => {
  const url = await freshDatabase();
  const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' }];
  await assert.rejects(migrateTenantDatabase(url, broken), {
    code: 'MIGRATION_FAILED',
    message: /migration 99 \(broken\) failed: function no_such_function\(\) does not exist/,
  });
  const half = await query<{ t: string | null }>(url, `SELECT to_regclass('half')::text AS t`);
  assert.equal(half[0]!.t, null);
  const versions = await query<{ version: number }>(url, 'SELECT max(version) AS version FROM schema_migrations');
  assert.equal(versions[0]!.version, LATEST_SCHEMA_VERSION, 'the migrations before it stay applied');
  assert.deepEqual(await migrateTenantDatabase(url), { version: LATEST_SCHEMA_VERSION, applied: [] });
});

test('refuses an edited migration and a database newer than the build', async () => {
  const url = await freshDatabase();
  await migrateTenantDatabase(url);
  const edited = MIGRATIONS.map((m) => (m.version === 2 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
  await assert.rejects(migrateTenantDatabase(url, edited), { code: 'MIGRATION_CHANGED', status: 409 });
  await assert.rejects(migrateTenantDatabase(url, MIGRATIONS.slice(0, 1)), {
    code: 'SCHEMA_AHEAD',
    message: new RegExp(`at schema version ${LATEST_SCHEMA_VERSION}`),
  });
});

/**
 * The catalog's versioned migrations on a real Postgres: a fresh database, catalogs made by the
 * schema string that came before them (kept below as they shipped), and the master's database,
 * where the catalog's migrations live beside the master pod's own tenant schema.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { newSecretKey } from '@tenantry/core';
import { startTestPostgres, type TestPostgres } from '../test-support/test-postgres.js';
import { CATALOG_MIGRATIONS } from './migrations/index.js';
import { OutputSeal, isSealed } from './output-seal.js';
import { TenantCatalog } from './tenant-catalog.js';

/** The catalog's schema string as it stood just before versioned migrations (run as one query by migrate()). */
const SCHEMA_BEFORE_MIGRATIONS = `
CREATE TABLE IF NOT EXISTS tenants (
  slug        text PRIMARY KEY,
  name        text NOT NULL,
  tier        text NOT NULL,
  status      text NOT NULL,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  ready_at    timestamptz
);
CREATE TABLE IF NOT EXISTS tenant_steps (
  slug        text NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
  position    int  NOT NULL,
  name        text NOT NULL,
  state       text NOT NULL DEFAULT 'pending',
  attempts    int  NOT NULL DEFAULT 0,
  started_at  timestamptz,
  finished_at timestamptz,
  detail      text,
  error       text,
  output      jsonb,
  PRIMARY KEY (slug, name)
);
CREATE INDEX IF NOT EXISTS tenants_status ON tenants (status);
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS schema_version int;
ALTER TABLE tenants ADD COLUMN IF NOT EXISTS schema_error text;
-- Each step's log: every line it reported, numbered per step (n = 1, 2, ...; log_lines is the last
-- number given), so the oldest lines beyond the cap are deleted by a range of that index.
ALTER TABLE tenant_steps ADD COLUMN IF NOT EXISTS log_lines bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS tenant_step_logs (
  id          bigserial PRIMARY KEY,
  slug        text NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
  step        text NOT NULL,
  n           bigint NOT NULL,
  at          timestamptz NOT NULL DEFAULT now(),
  line        text NOT NULL
);
CREATE INDEX IF NOT EXISTS tenant_step_logs_read ON tenant_step_logs (slug, step, n);
-- Every change to a tenant or its steps is announced, so live views follow provisioning step by step.
CREATE OR REPLACE FUNCTION tenantry_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('tenantry_tenants', coalesce(NEW.slug, OLD.slug));
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS tenants_announce ON tenants;
CREATE TRIGGER tenants_announce AFTER INSERT OR UPDATE OR DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION tenantry_announce();
DROP TRIGGER IF EXISTS tenant_steps_announce ON tenant_steps;
CREATE TRIGGER tenant_steps_announce AFTER INSERT OR UPDATE OR DELETE ON tenant_steps FOR EACH ROW EXECUTE FUNCTION tenantry_announce();
`;

/** The catalog's schema string as first shipped: tenants and steps, no schema version, no step logs. */
const SCHEMA_AS_FIRST_SHIPPED = `
CREATE TABLE IF NOT EXISTS tenants (
  slug        text PRIMARY KEY,
  name        text NOT NULL,
  tier        text NOT NULL,
  status      text NOT NULL,
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  ready_at    timestamptz
);
CREATE TABLE IF NOT EXISTS tenant_steps (
  slug        text NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
  position    int  NOT NULL,
  name        text NOT NULL,
  state       text NOT NULL DEFAULT 'pending',
  attempts    int  NOT NULL DEFAULT 0,
  started_at  timestamptz,
  finished_at timestamptz,
  detail      text,
  error       text,
  output      jsonb,
  PRIMARY KEY (slug, name)
);
CREATE INDEX IF NOT EXISTS tenants_status ON tenants (status);
`;

/** The tenant schema, loaded at run time by name: it builds after the control plane (through the local driver its tests use). */
interface TenantSchema {
  LATEST_SCHEMA_VERSION: number;
  migrateTenantDatabase(url: string): Promise<{ version: number; applied: number[] }>;
}
async function tenantSchema(): Promise<TenantSchema> {
  const name: string = '@tenantry/tenant-schema';
  return (await import(name)) as TenantSchema;
}

let server: TestPostgres;
let databases = 0;
const opened: TenantCatalog[] = [];

before(async () => {
  server = await startTestPostgres();
});

after(async () => {
  for (const catalog of opened) await catalog.close();
  await server?.stop();
});

async function freshDatabase(): Promise<string> {
  const name = `catalog_${++databases}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

function catalogOn(url: string, seal?: OutputSeal): TenantCatalog {
  const catalog = new TenantCatalog(url, 2, seal);
  opened.push(catalog);
  return catalog;
}

const recorded = (url: string, table: string) =>
  query<{ version: number; name: string; applied_at: Date }>(url, `SELECT version, name, applied_at FROM ${table} ORDER BY version`);

test('migration 1 is the schema string the catalog ran before versioned migrations, unchanged', () => {
  assert.equal(CATALOG_MIGRATIONS[0]!.version, 1);
  assert.equal(CATALOG_MIGRATIONS[0]!.sql, SCHEMA_BEFORE_MIGRATIONS);
});

test('a fresh database is migrated to the last catalog migration, once, recorded in catalog_migrations', async () => {
  const url = await freshDatabase();
  const catalog = catalogOn(url);
  await Promise.all([catalog.migrate(), catalogOn(url).migrate()]);
  const first = await recorded(url, 'catalog_migrations');
  assert.deepEqual(
    first.map(({ version, name }) => ({ version, name })),
    CATALOG_MIGRATIONS.map(({ version, name }) => ({ version, name })),
  );
  await catalog.migrate();
  assert.deepEqual(await recorded(url, 'catalog_migrations'), first, 'nothing applied again');
  assert.deepEqual(await query(url, `SELECT to_regclass('schema_migrations')::text AS t`), [{ t: null }], 'not the tenant schema table');

  await catalog.create({ slug: 'fresh', name: 'Fresh', tier: 'trial' }, ['database', 'pod']);
  await catalog.logs.append('fresh', 'database', ['created']);
  const tenant = await catalog.get('fresh');
  assert.equal(tenant?.status, 'pending');
  assert.deepEqual(
    tenant?.steps.map((s) => s.name),
    ['database', 'pod'],
  );
  assert.equal(tenant?.steps[0]!.detail, 'created');
});

for (const [era, schema] of [
  ['just before versioned migrations', SCHEMA_BEFORE_MIGRATIONS],
  ['as first shipped', SCHEMA_AS_FIRST_SHIPPED],
] as const) {
  test(`a catalog made by the schema string ${era} migrates to version 1 and keeps its tenants`, async () => {
    const url = await freshDatabase();
    await query(url, schema);
    const grant = { url: 'postgres://t_old:secret-Zq8vK2mR7t@127.0.0.1:5432/db_old' };
    await query(
      url,
      `INSERT INTO tenants (slug, name, tier, status, created_at, updated_at, ready_at)
         VALUES ('old', 'Old Co', 'production', 'ready', '2025-01-02T03:04:05Z', '2025-01-02T03:05:00Z', '2025-01-02T03:05:00Z')`,
    );
    await query(
      url,
      `INSERT INTO tenant_steps (slug, position, name, state, attempts, output)
         VALUES ('old', 1, 'database', 'done', 1, $1), ('old', 2, 'pod', 'done', 2, NULL)`,
      [JSON.stringify(grant)],
    );

    // As on the master: with the platform key, so the step output kept in clear is sealed after the migrations.
    const catalog = catalogOn(url, new OutputSeal(newSecretKey()));
    await catalog.migrate();

    assert.deepEqual(
      (await recorded(url, 'catalog_migrations')).map((r) => r.version),
      CATALOG_MIGRATIONS.map((m) => m.version),
    );
    const tenant = await catalog.get('old');
    assert.ok(tenant);
    const { slug, name, tier, status, error, createdAt, updatedAt, readyAt, schemaVersion, schemaError } = tenant;
    assert.deepEqual(
      { slug, name, tier, status, error, createdAt, updatedAt, readyAt, schemaVersion, schemaError },
      {
        slug: 'old',
        name: 'Old Co',
        tier: 'production',
        status: 'ready',
        error: null,
        createdAt: '2025-01-02T03:04:05.000Z',
        updatedAt: '2025-01-02T03:05:00.000Z',
        readyAt: '2025-01-02T03:05:00.000Z',
        schemaVersion: null,
        schemaError: null,
      },
    );
    assert.deepEqual(
      tenant.steps.map((s) => ({ name: s.name, state: s.state, attempts: s.attempts })),
      [
        { name: 'database', state: 'done', attempts: 1 },
        { name: 'pod', state: 'done', attempts: 2 },
      ],
    );
    assert.equal(await catalog.databaseUrl('old'), grant.url);
    const [stored] = await query<{ output: unknown }>(url, `SELECT output FROM tenant_steps WHERE slug = 'old' AND name = 'database'`);
    assert.ok(isSealed(stored!.output), 'the output kept in clear is sealed');

    // What the catalog added since works on the migrated tables: step logs, schema versions, announcements.
    await catalog.logs.append('old', 'pod', ['restarted']);
    assert.deepEqual(
      (await catalog.logs.read('old', 'pod'))?.lines.map((l) => l.line),
      ['restarted'],
    );
    await catalog.status.setSchemaVersion('old', 4);
    assert.equal((await catalog.get('old'))?.schemaVersion, 4);
    let announce!: (slug: string) => void;
    const announced = new Promise<string>((resolve) => (announce = resolve));
    const unwatch = await catalog.watch((changed) => announce(changed));
    const seen = { type: 'PodReady', status: 'True', reason: 'Observed', message: 'step pod: present' } as const;
    await catalog.status.update('old', { observed: { conditions: [seen], generation: 1, converged: true } });
    assert.equal(await announced, 'old');
    const observed = await catalog.get('old');
    assert.equal(observed?.observedGeneration, 1);
    assert.deepEqual(
      observed?.conditions.map((c) => [c.type, c.reason]),
      [['PodReady', 'Observed']],
    );
    unwatch();
  });
}

test("the master's database: catalog and tenant schema migrate side by side, each in its own table", async () => {
  const { LATEST_SCHEMA_VERSION, migrateTenantDatabase } = await tenantSchema();
  const url = await freshDatabase();
  // At once, as the master's programs start: the admin backend migrates its tenant schema, the scheduler the catalog.
  const catalog = catalogOn(url);
  const [, tenant] = await Promise.all([catalog.migrate(), migrateTenantDatabase(url)]);
  assert.equal(tenant.version, LATEST_SCHEMA_VERSION);
  assert.equal(tenant.applied.length, LATEST_SCHEMA_VERSION);
  assert.deepEqual(
    (await recorded(url, 'catalog_migrations')).map((r) => r.version),
    CATALOG_MIGRATIONS.map((m) => m.version),
  );
  assert.deepEqual(
    (await recorded(url, 'schema_migrations')).map((r) => r.version),
    Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
  );

  // Again, in the other order: each finds its own migrations applied, the other's records left alone.
  assert.deepEqual(await migrateTenantDatabase(url), { version: LATEST_SCHEMA_VERSION, applied: [] });
  const before = await recorded(url, 'catalog_migrations');
  await catalog.migrate();
  assert.deepEqual(await recorded(url, 'catalog_migrations'), before);
  await catalog.create({ slug: 'beside', name: 'Beside', tier: 'trial' }, ['database']);
  assert.deepEqual(await query(url, `SELECT count(*)::int AS n FROM users`), [{ n: 0 }], "the master pod's own tables are there too");
});

test("an earlier master's database (tenant schema migrated, catalog made by the schema string) gains catalog_migrations only", async () => {
  const { LATEST_SCHEMA_VERSION, migrateTenantDatabase } = await tenantSchema();
  const url = await freshDatabase();
  await migrateTenantDatabase(url);
  await query(url, SCHEMA_BEFORE_MIGRATIONS);
  await query(url, `INSERT INTO tenants (slug, name, tier, status) VALUES ('kept', 'Kept', 'trial', 'ready')`);
  const tenantBefore = await recorded(url, 'schema_migrations');

  const catalog = catalogOn(url);
  await catalog.migrate();
  assert.deepEqual(
    (await recorded(url, 'catalog_migrations')).map((r) => r.version),
    CATALOG_MIGRATIONS.map((m) => m.version),
  );
  assert.deepEqual(await recorded(url, 'schema_migrations'), tenantBefore);
  assert.equal((await catalog.get('kept'))?.status, 'ready');
  assert.deepEqual(await migrateTenantDatabase(url), { version: LATEST_SCHEMA_VERSION, applied: [] });
});

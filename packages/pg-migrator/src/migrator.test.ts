/** The migrator on a real Postgres: once each, in order, concurrent runs, failures, edits, a database ahead, two sets in one database. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { waitFor } from '@tenantry/core';
import { migrate, type Migration, type MigrationSet } from './index.js';

interface TestPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * The throwaway Postgres of `@tenantry/driver-local/test-support`, loaded at run time by name: the
 * local driver builds on the control plane, which builds on this package, so a static import would
 * make the builds depend on each other.
 */
async function startTestPostgres(): Promise<TestPostgres> {
  const support: string = '@tenantry/driver-local/test-support';
  const { startTestPostgres: start } = (await import(support)) as { startTestPostgres(): Promise<TestPostgres> };
  return start();
}

let server: TestPostgres;
let databases = 0;

before(async () => {
  server = await startTestPostgres();
});
after(() => server?.stop());

async function freshDatabase(): Promise<string> {
  const name = `migrator_${++databases}`;
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

const SET: MigrationSet = { table: 'app_migrations', lock: 4_200_001 };

const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'notes', sql: 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL);' },
  { version: 2, name: 'first-note', sql: `INSERT INTO notes VALUES (1, 'hello');` },
  { version: 3, name: 'note-author', sql: 'ALTER TABLE notes ADD COLUMN author text;' },
];

/** The session ids holding (granted) or waiting for (not granted) an advisory lock id. */
async function lockSessions(url: string, lock: number, granted: boolean): Promise<number[]> {
  const rows = await query<{ pid: number }>(
    url,
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1 AND granted = $2`,
    [lock, granted],
  );
  return rows.map((r) => r.pid);
}

test('applies each migration once, in order, each recorded with its name and the SHA-256 of its SQL', async () => {
  const url = await freshDatabase();
  assert.deepEqual(await migrate(url, MIGRATIONS.slice(0, 2), SET), { version: 2, applied: [1, 2] });
  assert.deepEqual(await migrate(url, MIGRATIONS, SET), { version: 3, applied: [3] });
  assert.deepEqual(await migrate(url, MIGRATIONS, SET), { version: 3, applied: [] });
  const rows = await query<{ version: number; name: string; checksum: string }>(url, 'SELECT version, name, checksum FROM app_migrations ORDER BY version');
  assert.deepEqual(
    rows,
    MIGRATIONS.map((m) => ({ version: m.version, name: m.name, checksum: createHash('sha256').update(m.sql).digest('hex') })),
  );
  assert.deepEqual(await query(url, 'SELECT id, body, author FROM notes'), [{ id: 1, body: 'hello', author: null }]);
});

test('concurrent migrators apply each migration exactly once', async () => {
  const url = await freshDatabase();
  const results = await Promise.all(Array.from({ length: 6 }, () => migrate(url, MIGRATIONS, SET)));
  assert.deepEqual(results.flatMap((r) => r.applied).sort(), [1, 2, 3]);
  assert.ok(results.every((r) => r.version === 3));
  assert.deepEqual(await query(url, 'SELECT count(*)::int AS n FROM notes'), [{ n: 1 }]);
});

test('a failing migration is rolled back whole and reported; those before it stay; a fixed one is applied next run', async () => {
  const url = await freshDatabase();
  const broken = [...MIGRATIONS, { version: 4, name: 'broken', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' }];
  await assert.rejects(migrate(url, broken, SET), {
    code: 'MIGRATION_FAILED',
    status: 500,
    message: /migration 4 \(broken\) failed: function no_such_function\(\) does not exist/,
  });
  assert.deepEqual(await query(url, `SELECT to_regclass('half')::text AS t`), [{ t: null }]);
  assert.deepEqual(await query(url, 'SELECT max(version) AS v FROM app_migrations'), [{ v: 3 }]);
  const fixed = [...MIGRATIONS, { version: 4, name: 'half', sql: 'CREATE TABLE half (id int);' }];
  assert.deepEqual(await migrate(url, fixed, SET), { version: 4, applied: [4] });
});

test('refuses an edited migration before applying anything, and a database past the last migration given', async () => {
  const url = await freshDatabase();
  // 1 and 3 applied, 2 pending (a migration numbered in between): 3 edited is refused before 2 is applied.
  await migrate(url, [MIGRATIONS[0]!, MIGRATIONS[2]!], SET);
  const edited = MIGRATIONS.map((m) => (m.version === 3 ? { ...m, sql: `${m.sql}\n-- edited` } : m));
  await assert.rejects(migrate(url, edited, SET), {
    code: 'MIGRATION_CHANGED',
    status: 409,
    message: /migration 3 \(note-author\) differs from the one applied/,
  });
  assert.deepEqual(await query(url, 'SELECT version FROM app_migrations ORDER BY version'), [{ version: 1 }, { version: 3 }], 'migration 2 was not applied');
  await assert.rejects(migrate(url, MIGRATIONS.slice(0, 1), SET), {
    code: 'SCHEMA_AHEAD',
    status: 409,
    message: /at schema version 3 but this build only knows up to 1/,
  });
});

test('two sets in one database: each its own table and lock, neither waits for nor sees the other', async () => {
  const url = await freshDatabase();
  const other: MigrationSet = { table: 'other_migrations', lock: 4_200_002 };
  const otherMigrations: Migration[] = [{ version: 1, name: 'things', sql: 'CREATE TABLE things (id int);' }];
  // Someone holds the first set's lock: the other set migrates meanwhile; the first waits for it.
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await holder.query('SELECT pg_advisory_lock($1)', [SET.lock]);
    const first = migrate(url, MIGRATIONS, SET);
    assert.deepEqual(await migrate(url, otherMigrations, other), { version: 1, applied: [1] });
    await waitFor(async () => (await lockSessions(url, SET.lock, false)).length === 1, { what: 'the first set to wait for its lock' });
    await holder.query('SELECT pg_advisory_unlock($1)', [SET.lock]);
    assert.deepEqual(await first, { version: 3, applied: [1, 2, 3] });
  } finally {
    await holder.end();
  }
  assert.deepEqual(await query(url, 'SELECT version, name FROM app_migrations ORDER BY version'), [
    { version: 1, name: 'notes' },
    { version: 2, name: 'first-note' },
    { version: 3, name: 'note-author' },
  ]);
  assert.deepEqual(await query(url, 'SELECT version, name FROM other_migrations'), [{ version: 1, name: 'things' }]);
});

test('on a borrowed client the lock is released, or kept when the caller held it already', async () => {
  const url = await freshDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await migrate(client, MIGRATIONS.slice(0, 1), SET);
    assert.deepEqual(await lockSessions(url, SET.lock, true), []);
    await client.query('SELECT pg_advisory_lock($1)', [SET.lock]);
    await migrate(client, MIGRATIONS, SET);
    assert.deepEqual(await lockSessions(url, SET.lock, true), [pid], 'the caller still holds its lock');
    await client.query('SELECT pg_advisory_unlock($1)', [SET.lock]);
    assert.deepEqual(await lockSessions(url, SET.lock, true), []);
  } finally {
    await client.end();
  }
});

test('on a pool it borrows one connection, gives it back unlocked, and opens none of its own', async () => {
  const url = await freshDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    assert.deepEqual(await migrate(pool, MIGRATIONS, SET), { version: 3, applied: [1, 2, 3] });
    assert.deepEqual([pool.totalCount, pool.idleCount], [1, 1], 'one connection, back in the pool');
    assert.deepEqual(await lockSessions(url, SET.lock, true), []);
    assert.deepEqual(await migrate(pool, MIGRATIONS, SET), { version: 3, applied: [] });
    assert.equal(pool.totalCount, 1, 'the same connection again');
  } finally {
    await pool.end();
  }
});

test('refuses, before connecting, a list out of order and a table name that is not a plain identifier', async () => {
  const nowhere = 'postgres://nobody@127.0.0.1:1/nothing';
  const swapped = [MIGRATIONS[1]!, MIGRATIONS[0]!];
  await assert.rejects(migrate(nowhere, swapped, SET), /migration 1 \(notes\) is out of order/);
  await assert.rejects(migrate(nowhere, [MIGRATIONS[0]!, MIGRATIONS[0]!], SET), /out of order/);
  await assert.rejects(migrate(nowhere, [{ version: 0, name: 'zero', sql: '' }], SET), /out of order/);
  await assert.rejects(migrate(nowhere, MIGRATIONS, { ...SET, table: 'x; DROP TABLE notes' }), /not a plain lower-case identifier/);
});

/**
 * @module Contract tests every driver implementation must pass, run by each driver package against
 * its real backend (`@tenantry/control-plane/contracts`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { DatabaseDriver, StorageDriver, TenantRef } from '../drivers.js';

const silent = () => undefined;

/** True when `url` logs in and answers a query, else the error message. */
export async function connects(url: string): Promise<true | string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function databaseOf(url: string): string {
  return new URL(url).pathname.slice(1);
}

/** The DatabaseDriver contract, for tenants of `tier` (the driver decides where their databases live). */
export function databaseDriverContract(name: string, driver: () => DatabaseDriver, tier: TenantRef['tier']): void {
  const a: TenantRef = { slug: 'contract-a', name: 'Contract A', tier };
  const b: TenantRef = { slug: 'contract-b', name: 'Contract B', tier };

  test(`${name}: a tenant's login owns what it creates in its own database`, async () => {
    const grant = await driver().create(a, silent);
    const client = new pg.Client({ connectionString: grant.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE notes (id int PRIMARY KEY)');
      const owner = await client.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'notes'`);
      assert.notEqual(owner.rows[0].tableowner, new URL(grant.url).username, 'objects belong to the NOLOGIN owner role');
    } finally {
      await client.end();
    }
  });

  test(`${name}: creating again is idempotent, keeps the data and replaces the password`, async () => {
    const first = await driver().create(b, silent);
    const before = new pg.Client({ connectionString: first.url });
    await before.connect();
    await before.query('CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)').finally(() => before.end());
    const second = await driver().create(b, silent);
    assert.equal(databaseOf(first.url), databaseOf(second.url));
    const after = new pg.Client({ connectionString: second.url });
    await after.connect();
    const kept = await after.query('SELECT id FROM kept').finally(() => after.end());
    assert.deepEqual(kept.rows, [{ id: 42 }]);
    assert.match(String(await connects(first.url)), /password authentication failed/);
  });

  test(`${name}: one tenant's credentials never open another tenant's database`, async () => {
    const grantA = await driver().create(a, silent);
    const grantB = await driver().create(b, silent);
    const crossed = new URL(grantA.url);
    crossed.pathname = `/${databaseOf(grantB.url)}`;
    if (new URL(grantA.url).port === new URL(grantB.url).port) {
      assert.match(String(await connects(crossed.toString())), /permission denied/);
    } else {
      crossed.port = new URL(grantB.url).port;
      assert.match(String(await connects(crossed.toString())), /password authentication failed|does not exist/);
    }
  });

  test(`${name}: removal leaves nothing to log in to, and removing again is a no-op`, async () => {
    const grant = await driver().create(a, silent);
    await driver().remove(a, silent);
    assert.notEqual(await connects(grant.url), true);
    await driver().remove(a, silent);
    await driver().remove(b, silent);
  });
}

/** The StorageDriver contract. */
export function storageDriverContract(name: string, driver: () => StorageDriver, exists: (url: string) => Promise<boolean>): void {
  const tenant: TenantRef = { slug: 'contract-s', name: 'Contract S', tier: 'trial' };

  test(`${name}: a prefix per tenant, created idempotently and removed completely`, async () => {
    const first = await driver().create(tenant);
    const second = await driver().create(tenant);
    assert.equal(first.url, second.url);
    assert.match(first.url, /contract-s\/$/);
    assert.ok(await exists(first.url));
    await driver().remove(tenant);
    assert.ok(!(await exists(first.url)));
    await driver().remove(tenant);
  });
}

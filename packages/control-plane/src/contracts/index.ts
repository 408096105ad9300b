/**
 * @module Contract tests every driver implementation must pass, run by each driver package against
 * its real backend (`@tenantry/control-plane/contracts`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { DatabaseDriver, StorageDriver, TenantRef } from '../drivers.js';
import { connects } from '../observe.js';

// Tests of every package check logins with it.
export { connects };

const silent = () => undefined;

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

  test(`${name}: observing finds the database present after create, missing after remove, and changes neither`, async () => {
    const c: TenantRef = { slug: 'contract-c', name: 'Contract C', tier };
    const grant = await driver().create(c, silent);
    assert.deepEqual(await driver().observe(c, grant), { state: 'present' });
    assert.deepEqual(await driver().observe(c, grant), { state: 'present' }, 'observing again sees the same');
    await driver().remove(c, silent);
    const gone = await driver().observe(c, grant);
    assert.equal(gone.state, 'missing', JSON.stringify(gone));
    assert.ok(gone.state === 'missing' && gone.message.length > 0, 'it says what is gone');
    assert.notEqual(await connects(grant.url), true, 'observing made nothing');
    const again = await driver().create(c, silent);
    assert.deepEqual(await driver().observe(c, again), { state: 'present' }, 'applying again makes it');
    await driver().remove(c, silent);
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

  test(`${name}: observing finds the prefix present after create, missing after remove, and changes neither`, async () => {
    const grant = await driver().create(tenant);
    assert.deepEqual(await driver().observe(tenant, grant), { state: 'present' });
    await driver().remove(tenant);
    const gone = await driver().observe(tenant, grant);
    assert.equal(gone.state, 'missing', JSON.stringify(gone));
    assert.ok(gone.state === 'missing' && gone.message.length > 0, 'it says what is gone');
    assert.ok(!(await exists(grant.url)), 'observing made nothing');
    const again = await driver().create(tenant);
    assert.deepEqual(await driver().observe(tenant, again), { state: 'present' }, 'applying again makes it');
    await driver().remove(tenant);
  });
}

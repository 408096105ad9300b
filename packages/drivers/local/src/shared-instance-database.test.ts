import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { databaseDriverContract } from '@tenantry/control-plane/contracts';
import { freePort } from '@tenantry/core';
import { SharedInstanceDatabase } from './shared-instance-database.js';
import { startTestPostgres, type TestPostgres } from './test-support/test-postgres.js';

let server: TestPostgres;
let driver: SharedInstanceDatabase;

before(async () => {
  server = await startTestPostgres();
  driver = new SharedInstanceDatabase({ adminUrl: server.adminUrl, namingKey: 'contract-test-key' });
});

after(async () => {
  await driver.close();
  await server.stop();
});

databaseDriverContract('SharedInstanceDatabase on a real Postgres', () => driver, 'trial');

test('observing while the shared server does not answer is no answer about the tenant: it rejects, saying why', async () => {
  const tenant = { slug: 'away', name: 'Away', tier: 'trial' } as const;
  const grant = await driver.create(tenant, () => undefined);
  const away = new URL(grant.url);
  away.port = String(await freePort());
  await assert.rejects(
    driver.observe(tenant, { ...grant, url: away.toString() }),
    /cannot observe the tenant's database at 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
  );
  await driver.remove(tenant, () => undefined);
});

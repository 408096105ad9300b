import { after, before } from 'node:test';
import { databaseDriverContract } from '@tenantry/control-plane/contracts';
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

/** The store contract against a real Postgres. */
import pg from 'pg';
import { startTestPostgres } from '@tenantry/driver-local/test-support';
import { PostgresAnalyticsStore } from './postgres-store.js';
import { analyticsStoreContract } from './store.contract.js';

analyticsStoreContract('Postgres', async () => {
  const postgres = await startTestPostgres();
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE analytics_contract');
  await admin.end();
  const url = Object.assign(new URL(postgres.adminUrl), { pathname: '/analytics_contract' }).toString();
  const store = new PostgresAnalyticsStore(url);
  await store.migrate();
  return {
    store,
    another: async () => new PostgresAnalyticsStore(url),
    close: async () => {
      await store.close();
      await postgres.stop();
    },
  };
});

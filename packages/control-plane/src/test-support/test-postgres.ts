/**
 * @module Test support: a throwaway real Postgres, from `@tenantry/driver-local/test-support`. Loaded
 * at run time by name: the local driver builds on the control plane, so a static import (which the
 * compiler would follow) would make the two packages' builds depend on each other.
 */
import { after, before } from 'node:test';
import { TenantCatalog } from '../catalog/tenant-catalog.js';

export interface TestPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const support: string = '@tenantry/driver-local/test-support';
  const { startTestPostgres: start } = (await import(support)) as { startTestPostgres(): Promise<TestPostgres> };
  return start();
}

/**
 * A migrated catalog on a throwaway Postgres for one test file: made before its tests, closed and
 * stopped after them (a failed start included). Read `catalog` inside tests.
 */
export function useTestCatalog(): { readonly catalog: TenantCatalog; readonly server: TestPostgres } {
  const held: { catalog?: TenantCatalog; server?: TestPostgres } = {};
  before(async () => {
    held.server = await startTestPostgres();
    held.catalog = new TenantCatalog(held.server.adminUrl);
    await held.catalog.migrate();
  });
  after(async () => {
    await held.catalog?.close();
    await held.server?.stop();
  });
  return {
    get catalog() {
      if (!held.catalog) throw new Error('the test catalog is not started yet');
      return held.catalog;
    },
    get server() {
      if (!held.server) throw new Error('the test Postgres is not started yet');
      return held.server;
    },
  };
}

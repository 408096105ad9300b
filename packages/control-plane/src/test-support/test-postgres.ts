/**
 * @module Test support: a throwaway real Postgres, from `@tenantry/driver-local/test-support`. Loaded
 * at run time by name: the local driver builds on the control plane, so a static import (which the
 * compiler would follow) would make the two packages' builds depend on each other.
 */
export interface TestPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const support: string = '@tenantry/driver-local/test-support';
  const { startTestPostgres: start } = (await import(support)) as { startTestPostgres(): Promise<TestPostgres> };
  return start();
}

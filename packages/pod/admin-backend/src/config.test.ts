import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILT_IN_READS } from '@tenantry/pod-contract';
import { contractVariablesOf } from '@tenantry/pod-runtime/config';
import { adminBackendConfigSchema, asMaster } from './config.js';

test('the admin-backend reads exactly the variables of the pod environment its manifest entry declares (and is given only those)', () => {
  assert.deepEqual(contractVariablesOf(adminBackendConfigSchema), [...BUILT_IN_READS['admin-backend']].sort());
});

test("on the master the admin token and the platform key are required, and the master's configuration carries them; a tenant's has none", () => {
  const tenant = {
    TENANT_ID: 'acme',
    TENANT_URL: 'http://acme.localhost:8080/',
    DATABASE_URL: 'postgres://u:p@127.0.0.1/acme',
    REDIS_URL: 'redis://u:p@127.0.0.1:6379',
    HOST: '127.0.0.1',
    PORT: '3000',
  };
  assert.equal(asMaster(adminBackendConfigSchema.parse(tenant)), undefined);
  const missing = adminBackendConfigSchema.safeParse({ ...tenant, IS_MASTER: 'true' });
  assert.deepEqual(missing.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).sort(), [
    'ADMIN_TOKEN: is required when IS_MASTER=true',
    'TENANTRY_SECRET_KEY: is required when IS_MASTER=true',
  ]);
  const key = Buffer.alloc(32, 7).toString('base64');
  const master = asMaster(adminBackendConfigSchema.parse({ ...tenant, IS_MASTER: 'true', ADMIN_TOKEN: 'an admin token of length', TENANTRY_SECRET_KEY: key }));
  assert.equal(master?.ADMIN_TOKEN, 'an admin token of length');
  assert.equal(master?.TENANTRY_SECRET_KEY, key);
});
